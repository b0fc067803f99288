"""The clinic's retention settings: request_days, its old name, and bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.clinic import load_clinic
from tests.bot.command_line import assert_one_line_error, cli
from tests.bot.config.clinic_files import edited_clinic

SHIPPED = "  request_days: 365\n"


def clinic_file(tmp_path: Path, privacy_lines: str) -> Path:
    return edited_clinic(tmp_path, SHIPPED, privacy_lines)


def test_the_demo_keeps_requests_a_year_and_the_rest_a_month() -> None:
    clinic = load_clinic()
    assert (clinic.request_days, clinic.retention_days) == (365, 30)


def test_an_older_file_with_closed_request_days_still_loads_with_that_meaning(
    tmp_path: Path,
) -> None:
    path = clinic_file(tmp_path, "  closed_request_days: 200\n")
    assert load_clinic(path).request_days == 200
    assert cli("check", env={"CLINIC_CONFIG": str(path)}).returncode == 0


@pytest.mark.parametrize(
    ("lines", "fragment"),
    [
        ("  request_days: 365\n  closed_request_days: 365\n", "old name of request_days"),
        ("  request_days: 0\n", "whole number of days"),
        ("  request_days: a year\n", "request_days"),
        ("  requests_days: 365\n", "is not a known field"),
    ],
)
def test_a_bad_retention_setting_is_one_line_and_exit_2(
    tmp_path: Path, lines: str, fragment: str
) -> None:
    path = clinic_file(tmp_path, lines)
    assert_one_line_error(cli("check", env={"CLINIC_CONFIG": str(path)}), str(path), fragment)
