"""The command line as a clinic owner uses it: clear one-line errors, checks, eval, chat."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config.clinic import DEFAULT_CLINIC_FILE
from bot.config.content import Content
from bot.console import run_console
from bot.store.database import Storage
from tests.bot.command_line import GOOD_TOKEN, ROOT, assert_one_line_error, cli, cli_process

DEV_SET = ROOT / "tests" / "faq" / "cases" / "dev-set.yaml"


def test_run_without_a_token_says_which_setting_is_missing() -> None:
    assert_one_line_error(cli("run"), "TELEGRAM_BOT_TOKEN is not set")


def test_run_with_a_non_numeric_staff_chat_is_refused() -> None:
    result = cli("run", env={"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "STAFF_CHAT_ID": "front-desk"})
    assert_one_line_error(result, "STAFF_CHAT_ID must be a whole number", "front-desk")


def test_an_invalid_clinic_file_is_named_with_entry_and_field(tmp_path: Path) -> None:
    broken = tmp_path / "clinic.yaml"
    text = DEFAULT_CLINIC_FILE.read_text(encoding="utf-8")
    broken.write_text(text.replace('monday: "09:00-20:00"', 'monday: "nine to eight"'))
    env = {"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "STAFF_CHAT_ID": "-100", "CLINIC_CONFIG": str(broken)}
    assert_one_line_error(cli("run", env=env), str(broken), "opening_hours", "monday")
    assert_one_line_error(cli("check", env={"CLINIC_CONFIG": str(broken)}), "monday")


def test_an_unreadable_or_broken_yaml_file_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert_one_line_error(cli("check", env={"CLINIC_CONFIG": str(missing)}), "file not found")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    assert_one_line_error(cli("check", env={"CLINIC_CONFIG": str(broken)}), "invalid YAML")


def test_check_validates_every_shipped_file() -> None:
    result = cli("check")
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_faq_eval_json_reports_accuracy_and_each_case() -> None:
    result = cli("faq", "eval", str(DEV_SET), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["accuracy"] >= 0.95 and report["wrong_answer_rate"] <= 0.03
    first = report["cases"][0]
    assert set(first) == {"q", "expect", "got", "suggested", "score"}
    off_topic = next(c for c in report["cases"] if c["expect"] == [])
    assert off_topic["got"] is None


def test_faq_eval_prints_the_figures_and_faq_ask_the_top_three() -> None:
    result = cli("faq", "eval", str(DEV_SET))
    assert "accuracy:" in result.stdout and "wrong-answer rate:" in result.stdout
    ask = cli("faq", "ask", "how much for an hour")
    assert ask.stdout.startswith("decision: answer prices")
    assert len([line for line in ask.stdout.splitlines() if line.startswith("  ")]) == 3


def test_bare_command_without_a_token_chats_in_the_terminal() -> None:
    result = cli_process(stdin="do you take card?\nquit\n")
    assert result.returncode == 0, result.stderr
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stdout
    assert "contactless" in result.stdout


async def test_console_runs_the_whole_booking_and_a_staff_action(content: Content) -> None:
    script = iter(
        ["/book", "1", "5", "8", "8", "8", "1", "07700 900123", "2", "1", "6", "8", "1", "s1",
         "s1", "quit"]
    )  # fmt: skip
    printed: list[str] = []
    await run_console(content, read=lambda _: next(script), out=printed.append)
    output = "\n".join(printed)
    assert "Appointment request #1" in output and "CLEAR" in output
    assert "is with our team" in output
    assert "Confirm at which time?" in output, "Confirm offers the free times: s1 takes the first"
    assert "Confirmed by Sam (staff)" in output
    assert "your appointment is confirmed" in output and "request #1" in output


@pytest.mark.parametrize("answer", ["quit", "exit"])
async def test_console_leaves_on_quit(content: Content, answer: str) -> None:
    printed: list[str] = []
    await run_console(content, read=lambda _: answer, out=printed.append)
    assert printed[-1] == "Bye!"


def test_export_writes_the_header_and_says_how_many(tmp_path: Path) -> None:
    db, out = tmp_path / "clinic.sqlite3", tmp_path / "requests.csv"
    missing = cli("export", str(out), env={"CLINIC_DB": str(db)})
    assert_one_line_error(missing, "CLINIC_DB", str(db))
    assert not out.exists()

    async def create() -> None:
        await (await Storage.open(db)).close()

    asyncio.run(create())
    result = cli("export", str(out), env={"CLINIC_DB": str(db)})
    assert result.returncode == 0, result.stderr
    assert "Wrote 0 requests" in result.stdout
    assert out.read_text(encoding="utf-8").startswith("request,received_utc,kind,status,level")


def test_output_cut_short_by_a_pipe_ends_quietly() -> None:
    # As in `clinic-bot faq eval cases.yaml | head -1`: the reader leaves early.
    regression = ROOT / "tests" / "faq" / "cases" / "regression.yaml"
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "faq", "eval", str(regression), "--json"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as proc:  # fmt: skip
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # gone before anything is printed
        errors = proc.stderr.read().decode()
        proc.wait(timeout=60)
    assert "Traceback" not in errors
    assert proc.returncode != 0


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("  help: |", "  help: [unclosed", "invalid YAML"),
        ("  stale_button: |", "  stale_buttons: |", "stale_button"),
        ("  non_text: |\n", "  non_text: |\n    Write to {clinic.fax}. ", "clinic.fax"),
        ("    status: See or", "    status: " + "x" * 257 + " See or", "at most 256"),
        ("    unanswered: Questions the bot could not answer\n", "", "unanswered"),
    ],
)
def test_check_names_an_invalid_messages_file(
    tmp_path: Path, old: str, new: str, fragment: str
) -> None:
    # A clinic edits flows/messages.yaml where it is installed: run a copy of the code whose
    # messages file is broken. The compiled files come along (kept with their sources'
    # times, so still valid): compiling the copy again took most of each test's time.
    for package in ("bot", "faq", "flows"):
        shutil.copytree(ROOT / package, tmp_path / package)
    messages = tmp_path / "flows" / "messages.yaml"
    text = messages.read_text(encoding="utf-8")
    assert old in text
    messages.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = cli_process("check", cwd=tmp_path)
    assert_one_line_error(result, str(messages), fragment)
