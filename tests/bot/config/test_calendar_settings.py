"""The clinic's optional CalDAV calendar: none in the demo, a good block, and bad values."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from bot.config.clinic import CalendarSettings, ContentError, load_clinic
from tests.bot.command_line import GOOD_TOKEN, assert_one_line_error, cli
from tests.bot.config.clinic_files import edited_clinic

SHIPPED = "thread_quiet_hours: 12\n"
GOOD = (
    "calendar:\n"
    "  url: https://dav.example.com/staff/clinic/\n"
    "  user: staff\n"
    "  password_env: CLINIC_CAL_PW\n"
)


def clinic_file(tmp_path: Path, block: str) -> Path:
    return edited_clinic(tmp_path, SHIPPED, SHIPPED + block)


def test_the_demo_has_no_calendar() -> None:
    assert load_clinic().calendar is None


def test_a_calendar_block_is_read_and_the_password_comes_from_the_environment(
    tmp_path: Path,
) -> None:
    path = clinic_file(tmp_path, GOOD)
    calendar = load_clinic(path).calendar
    assert calendar == CalendarSettings(
        "https://dav.example.com/staff/clinic/", "staff", "CLINIC_CAL_PW", str(path)
    )
    assert calendar.password({"CLINIC_CAL_PW": "s3cret"}) == "s3cret"
    # The loaded settings are saved in the content cache: the password is never in them.
    assert b"s3cret" not in pickle.dumps(calendar)
    with pytest.raises(ContentError) as missing:
        calendar.password({})
    assert str(missing.value) == (
        f"{path}: entry 'calendar': field 'password_env': the environment variable "
        "CLINIC_CAL_PW is not set (it holds the calendar's password)"
    )


def test_run_without_the_calendar_password_exits_with_one_line_naming_the_field(
    tmp_path: Path,
) -> None:
    path = clinic_file(tmp_path, GOOD)
    env = {"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "STAFF_CHAT_ID": "-100", "CLINIC_CONFIG": str(path),
           "CLINIC_DB": str(tmp_path / "bot.sqlite3")}  # fmt: skip
    result = cli("run", env=env)
    assert_one_line_error(result, str(path), "'calendar'", "'password_env'", "CLINIC_CAL_PW")
    assert not (tmp_path / "bot.sqlite3").exists(), "refused before anything started"


def test_check_warns_when_the_calendar_password_is_missing_and_says_ok_when_set(
    tmp_path: Path,
) -> None:
    path = clinic_file(tmp_path, GOOD)
    tmp_path.chmod(0o700)  # the database's folder: no warning about who can read it
    env = {"CLINIC_CONFIG": str(path), "CLINIC_DB": str(tmp_path / "bot.sqlite3")}
    missing = cli("check", env=env)
    assert missing.returncode == 0, missing.stderr
    (warning,) = missing.stderr.strip().splitlines()
    assert warning.startswith("warning: ") and "CLINIC_CAL_PW is not set" in warning
    assert "will not start" in warning
    given = cli("check", env={**env, "CLINIC_CAL_PW": "s3cret"})
    assert given.returncode == 0 and given.stderr == ""
    assert "OK: calendar https://dav.example.com/staff/clinic/ (password from CLINIC_CAL_PW)" in (
        given.stdout
    )
    assert "s3cret" not in given.stdout


def test_the_password_variable_defaults_to_caldav_password(tmp_path: Path) -> None:
    block = "calendar:\n  url: http://127.0.0.1:5232/staff/clinic/\n  user: staff\n"
    calendar = load_clinic(clinic_file(tmp_path, block)).calendar
    assert calendar is not None
    assert calendar.password_env == "CALDAV_PASSWORD"


@pytest.mark.parametrize(
    ("block", "fragments"),
    [
        ("calendar: yes\n", ("field 'calendar'", "must be a mapping")),
        ("calendar:\n  user: staff\n", ("entry 'calendar'", "field 'url'", "is missing")),
        (
            "calendar:\n  url: dav.example.com/cal/\n  user: staff\n",
            ("field 'url'", "starting with https://"),
        ),
        (
            "calendar:\n  url: https://staff:pw@dav.example.com/cal/\n  user: staff\n",
            ("field 'url'", "no user or password"),
        ),
        ("calendar:\n  url: https://dav.example.com/cal/\n", ("field 'user'", "is missing")),
        (
            "calendar:\n  url: https://dav.example.com/cal/\n  user: staff\n"
            "  password_env: my password\n",
            ("field 'password_env'", "name of an environment variable"),
        ),
        (
            "calendar:\n  url: https://dav.example.com/cal/\n  user: staff\n  password: pw\n",
            ("field 'password'", "is not a known field"),
        ),
    ],
)
def test_a_bad_calendar_setting_names_file_entry_and_field(
    tmp_path: Path, block: str, fragments: tuple[str, ...]
) -> None:
    path = clinic_file(tmp_path, block)
    with pytest.raises(ContentError) as bad:
        load_clinic(path)
    assert str(bad.value).startswith(str(path))
    for fragment in fragments:
        assert fragment in str(bad.value)


def test_a_bad_calendar_setting_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = clinic_file(tmp_path, "calendar:\n  url: ftp://dav.example.com/\n  user: staff\n")
    assert_one_line_error(cli("check", env={"CLINIC_CONFIG": str(path)}), str(path), "url")
