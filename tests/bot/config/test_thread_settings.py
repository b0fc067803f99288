"""The clinic's thread_quiet_hours: the default, a value of the clinic's, and bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.clinic import load_clinic
from bot.config.content import load_content
from tests.bot.command_line import assert_one_line_error, cli
from tests.bot.config.clinic_files import edited_clinic

SHIPPED = "thread_quiet_hours: 12\n"


def clinic_file(tmp_path: Path, line: str) -> Path:
    return edited_clinic(tmp_path, SHIPPED, line)


def test_a_thread_ends_after_12_quiet_hours_unless_the_clinic_says_otherwise(
    tmp_path: Path,
) -> None:
    assert load_clinic().thread_quiet_hours == 12
    assert load_clinic(clinic_file(tmp_path, "")).thread_quiet_hours == 12
    content = load_content(clinic_file(tmp_path, "thread_quiet_hours: 3\n"))
    assert content.desk.thread_quiet.total_seconds() == 3 * 3600


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("thread_quiet_hours: 0\n", "whole number of hours"),
        ("thread_quiet_hours: 1.5\n", "whole number of hours"),
        ("thread_quiet_hours: 1000\n", "from 1 to 720"),
        ("thread_quiet_hours: soon\n", "thread_quiet_hours"),
    ],
)
def test_a_bad_thread_setting_is_one_line_and_exit_2(
    tmp_path: Path, line: str, fragment: str
) -> None:
    path = clinic_file(tmp_path, line)
    assert_one_line_error(cli("check", env={"CLINIC_CONFIG": str(path)}), str(path), fragment)
