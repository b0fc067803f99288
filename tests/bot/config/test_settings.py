"""Settings come from the environment and are checked with clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.settings import SettingsError, load_settings

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"


def test_valid_settings_are_read_and_the_token_is_not_shown() -> None:
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": "-100123", "STAFF_USER_IDS": "1, 2 3",
         "TELEGRAM_API_URL": "http://127.0.0.1:8081/", "CLINIC_DB": "/tmp/x.db"}
    )  # fmt: skip
    assert settings.staff_chat_id == -100123
    assert settings.staff_user_ids == {1, 2, 3}
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert TOKEN not in repr(settings)
    assert settings.rate_limit == 30, "Telegram's bulk limit unless set"


def test_the_rate_limit_can_be_set_or_turned_off() -> None:
    base = {"TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": "1"}
    assert load_settings({**base, "TELEGRAM_RATE_LIMIT": "10"}).rate_limit == 10
    assert load_settings({**base, "TELEGRAM_RATE_LIMIT": "0"}).rate_limit == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "nonsense"}, "does not look like a bot token"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, "STAFF_CHAT_ID is not set"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": "x"}, "STAFF_CHAT_ID must be a whole"),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": "1", "TELEGRAM_API_URL": "ftp://x"},
            "TELEGRAM_API_URL must start with http",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": "1", "STAFF_USER_IDS": "1,bob"},
            "STAFF_USER_IDS must be a whole number",
        ),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": "1", "LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": "1", "TELEGRAM_RATE_LIMIT": "fast"},
            "TELEGRAM_RATE_LIMIT must be a whole number",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": "1", "TELEGRAM_RATE_LIMIT": "-5"},
            "TELEGRAM_RATE_LIMIT must be between 0",
        ),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as raised:
        load_settings(env)
    error = str(raised.value)
    assert len(error.splitlines()) == 1, error
    # Whatever the token, the error never repeats it (nor its secret half).
    token = env.get("TELEGRAM_BOT_TOKEN", "")
    for secret in (token, token.partition(":")[2]):
        assert not secret or secret not in error, error


def test_terminal_mode_needs_no_token() -> None:
    assert load_settings({}, telegram=False).token is None


def test_clinic_dir_must_be_a_folder_and_clinic_config_is_kept_as_given(tmp_path: Path) -> None:
    env = {"CLINIC_DIR": str(tmp_path), "CLINIC_CONFIG": "own.yaml"}
    settings = load_settings(env, telegram=False)
    assert settings.clinic_dir == tmp_path and settings.clinic_config == Path("own.yaml")
    unset = load_settings({}, telegram=False)
    assert unset.clinic_dir is None and unset.clinic_config is None
    with pytest.raises(SettingsError, match=r"CLINIC_DIR: no folder at .*clinic-bot init"):
        load_settings({"CLINIC_DIR": str(tmp_path / "nope")}, telegram=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(SettingsError, match="is a file, not a folder"):
        load_settings({"CLINIC_DIR": str(tmp_path / "file")}, telegram=False)
