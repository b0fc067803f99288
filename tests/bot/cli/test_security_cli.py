"""The real `clinic-bot` process facing a refused token, a bad secret and bad database files."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.database import Storage
from tests.bot.command_line import GOOD_TOKEN, ROOT, assert_one_line_error, cli, environment
from tests.bot.conftest import STAFF_CHAT, TOKEN
from tests.bot.fake_bot_api import FakeBotApi

SECRET_HALF = TOKEN.partition(":")[2]


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run `python -m bot ARGS` while the fake server keeps answering in this event loop."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=environment(env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return int(proc.returncode or 0), out.decode(), err.decode()


def bot_env(api_url: str, db: Path) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": str(STAFF_CHAT),
            "TELEGRAM_API_URL": api_url, "CLINIC_DB": str(db)}  # fmt: skip


def assert_one_line_without_token(code: int, out: str, err: str, *fragments: str) -> None:
    assert code == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]
    assert SECRET_HALF not in out + err


async def test_a_token_telegram_refuses_gives_one_line_without_the_token(
    api: FakeBotApi, tmp_path: Path
) -> None:
    api.refuse_token()
    result = await run_cli("run", env=bot_env(api.root_url, tmp_path / "bot.sqlite3"))
    assert_one_line_without_token(*result, "Telegram refused the bot token")


async def test_a_url_that_is_no_bot_api_gives_one_line_naming_it_without_the_token(
    api: FakeBotApi, tmp_path: Path
) -> None:
    wrong = f"{api.root_url}/not-the-api"  # a web server, but not a Bot API: 404 Not Found
    result = await run_cli("run", env=bot_env(wrong, tmp_path / "bot.sqlite3"))
    assert_one_line_without_token(*result, "TELEGRAM_API_URL", wrong)


def test_a_bot_api_that_cannot_be_reached_is_one_line_naming_the_url(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = cli("run", env=bot_env(url, tmp_path / "bot.sqlite3"))
    assert_one_line_without_token(
        result.returncode, result.stdout, result.stderr, "TELEGRAM_API_URL", url, "reached"
    )


def test_a_webhook_secret_telegram_would_refuse_is_a_one_line_error() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": "-100", "WEBHOOK_SECRET": "pass word!"}
    result = cli("run", "--webhook", "https://clinic.example/hook", env=env)
    assert_one_line_error(result, "WEBHOOK_SECRET", "A-Z, a-z, 0-9, _ and -")
    assert "pass word!" not in result.stderr
    too_long = {**env, "WEBHOOK_SECRET": "a" * 257}
    assert_one_line_error(cli("run", "--webhook", "https://x.example/h", env=too_long), "1-256")


def make_database(db: Path) -> None:
    """Create a database as the bot does at its first start."""

    async def create() -> None:
        await (await Storage.open(db)).close()

    asyncio.run(create())


BAD_DB_COMMANDS = (("run",), ("chat", "--db", "{db}"), ("check",), ("export", "{out}"))


def every_db_command(db: Path, tmp_path: Path) -> list[subprocess.CompletedProcess[str]]:
    """Run each command that opens the database at `db`, as a clinic owner would."""
    env = {"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "STAFF_CHAT_ID": "-100", "CLINIC_DB": str(db)}
    out = tmp_path / "requests.csv"
    results = []
    for command in BAD_DB_COMMANDS:
        args = [a.format(db=db, out=out) for a in command]
        results.append(cli(*args, env=env, stdin="hello\nquit\n"))
    assert not out.exists()
    return results


def test_a_database_of_garbage_bytes_is_one_line_naming_it(tmp_path: Path) -> None:
    db = tmp_path / "clinic.sqlite3"
    db.write_bytes(bytes(range(256)) * 64)
    before = db.read_bytes()
    for result in every_db_command(db, tmp_path):
        assert_one_line_error(result, str(db), "is not a SQLite database")
    assert db.read_bytes() == before, "the file was left as it was"


def test_a_database_with_a_damaged_schema_page_is_one_line_naming_it(tmp_path: Path) -> None:
    db = tmp_path / "clinic.sqlite3"
    make_database(db)
    data = bytearray(db.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # page 1 after the header: the list of tables
    db.write_bytes(bytes(data))
    for result in every_db_command(db, tmp_path):
        assert_one_line_error(result, str(db), "is damaged", "restore a backup")


def test_a_path_in_a_missing_folder_is_one_line_naming_the_folder(tmp_path: Path) -> None:
    db = tmp_path / "no-such-folder" / "clinic.sqlite3"
    for command, result in zip(BAD_DB_COMMANDS, every_db_command(db, tmp_path), strict=True):
        if command[0] == "export":  # nothing to export: says so, naming the file
            assert_one_line_error(result, "CLINIC_DB", str(db))
        else:
            assert_one_line_error(result, str(db), "does not exist", str(db.parent))
    assert not db.parent.exists()


@contextlib.contextmanager
def read_only(db: Path) -> Iterator[None]:
    """Make the database file impossible to write for this user, root included."""
    db.chmod(0o400)
    immutable = False
    if os.geteuid() == 0:  # root writes a 0400 file anyway; an immutable one it cannot
        done = subprocess.run(["chattr", "+i", str(db)], capture_output=True, check=False)
        immutable = done.returncode == 0
        if not immutable:
            pytest.skip("running as root, and chattr +i is not available to make it read-only")
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(db)], check=True)
        db.chmod(0o600)


def test_a_read_only_database_is_one_line_naming_it(tmp_path: Path) -> None:
    db = tmp_path / "clinic.sqlite3"
    make_database(db)
    with read_only(db):
        for result in every_db_command(db, tmp_path):
            assert_one_line_error(result, str(db), "is read-only")


def test_check_warns_in_one_line_when_others_can_read_the_database_folder(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "clinic"
    folder.mkdir()
    db = folder / "clinic.sqlite3"
    make_database(db)
    folder.chmod(0o755)
    shared = cli("check", env={"CLINIC_DB": str(db)})
    assert shared.returncode == 0, shared.stderr
    assert f"OK: database {db}" in shared.stdout
    (warning,) = shared.stderr.strip().splitlines()
    assert warning.startswith("warning: others can read the database folder")
    assert str(folder) in warning
    folder.chmod(0o700)
    private = cli("check", env={"CLINIC_DB": str(db)})
    assert private.returncode == 0 and private.stderr == ""
    folder.chmod(0o777)
    open_to_all = cli("check", env={"CLINIC_DB": str(db)})
    assert "others can read and write the database folder" in open_to_all.stderr
    folder.chmod(0o700)


def test_an_export_to_a_missing_folder_is_one_line_naming_the_file(tmp_path: Path) -> None:
    db = tmp_path / "clinic.sqlite3"
    make_database(db)
    out = tmp_path / "no-such-folder" / "requests.csv"
    result = cli("export", str(out), env={"CLINIC_DB": str(db)})
    assert_one_line_error(result, f"cannot write {out}", "No such file or directory")


def test_a_folder_given_as_the_database_is_one_line_and_keeps_its_permissions(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o1777)
    for result in every_db_command(folder, tmp_path):
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stdout + result.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o1777, "the folder's mode is not touched"
