"""The appointment settings of the clinic file: sessions with a length, reminders, and
the late-cancellation window."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config.clinic import ContentError, load_clinic, said_duration
from tests.bot.command_line import assert_one_line_error, cli
from tests.bot.config.clinic_files import edited_clinic

SHIPPED = "reminder_before: 24h\n"


def test_the_demo_books_three_sessions_and_reminds_a_day_ahead() -> None:
    clinic = load_clinic()
    assert [(s.label, s.minutes) for s in clinic.services] == [
        ("30-minute focused session", 30),
        ("60-minute massage", 60),
        ("90-minute massage", 90),
    ], "the pack has no length: not bookable"
    assert clinic.reminder_before == timedelta(hours=24)
    assert clinic.late_cancel == timedelta(hours=24)


@pytest.mark.parametrize(
    ("written", "meant"),
    [("2h", timedelta(hours=2)), ("90m", timedelta(minutes=90)), ("1h30m", timedelta(minutes=90)),
     ("2d", timedelta(days=2)), ("off", None)],
)  # fmt: skip
def test_reminder_before_reads_durations(tmp_path: Path, written: str, meant: object) -> None:
    path = edited_clinic(tmp_path, SHIPPED, f"reminder_before: {written}\n")
    assert load_clinic(path).reminder_before == meant


@pytest.mark.parametrize("written", ["soon", "24", "0m", "30d", "-2h"])
def test_a_bad_duration_names_the_file_and_field(tmp_path: Path, written: str) -> None:
    path = edited_clinic(tmp_path, SHIPPED, f"reminder_before: {written!r}\n")
    with pytest.raises(ContentError) as error:
        load_clinic(path)
    assert "field 'reminder_before'" in str(error.value) and str(path) in str(error.value)
    result = cli("check", env={"CLINIC_CONFIG": str(path)})
    assert_one_line_error(result, str(path), "reminder_before")


def test_a_bad_session_length_is_refused(tmp_path: Path) -> None:
    shipped = '{item: "60-minute massage", price: "£65", minutes: 60}'
    path = edited_clinic(tmp_path, shipped, shipped.replace("minutes: 60", "minutes: 60.5"))
    with pytest.raises(ContentError) as error:
        load_clinic(path)
    assert "entry 'prices[1]': field 'minutes'" in str(error.value)


def test_durations_are_said_in_words() -> None:
    assert said_duration(timedelta(hours=24)) == "24 hours"
    assert said_duration(timedelta(minutes=90)) == "1 hour 30 minutes"
    assert said_duration(timedelta(days=2)) == "2 days"
    assert said_duration(timedelta(minutes=45)) == "45 minutes"
