"""The real `clinic-bot` process facing a refused token, a bad secret and bad database files."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.bot.conftest import STAFF_CHAT, TOKEN
from tests.bot.fake_bot_api import FakeBotApi
from tests.bot.test_cli import ROOT, assert_one_line_error, cli

SECRET_HALF = TOKEN.partition(":")[2]


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run `python -m bot ARGS` while the fake server keeps answering in this event loop."""
    ours = ("TELEGRAM", "STAFF", "CLINIC", "WEBHOOK")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(ours)}, **env},
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


def test_a_webhook_secret_telegram_would_refuse_is_a_one_line_error() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": "-100", "WEBHOOK_SECRET": "pass word!"}
    result = cli("run", "--webhook", "https://clinic.example/hook", env=env)
    assert_one_line_error(result, "WEBHOOK_SECRET", "A-Z, a-z, 0-9, _ and -")
    assert "pass word!" not in result.stderr
    too_long = {**env, "WEBHOOK_SECRET": "a" * 257}
    assert_one_line_error(cli("run", "--webhook", "https://x.example/h", env=too_long), "1-256")
