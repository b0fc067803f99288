"""Read the bot's settings from the environment into one frozen Settings value."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DB = "clinic-bot.sqlite3"
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# What Telegram accepts as a webhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot is configured with. The token is never shown in repr."""

    token: str | None = field(repr=False)
    staff_chat_id: int | None
    api_url: str = DEFAULT_API_URL
    db_path: Path = Path(DEFAULT_DB)
    # CLINIC_CONFIG: the clinic settings file, None when unset (see bot/config/clinic_folder).
    clinic_config: Path | None = None
    # CLINIC_DIR: the clinic's own folder of content files, None when unset.
    clinic_dir: Path | None = None
    staff_user_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    # Most messages a second the bot sends overall (Telegram's documented bulk limit); 0: off.
    rate_limit: int = 30

    @property
    def base_url(self) -> str:
        """Return the Bot API method URL prefix that python-telegram-bot expects."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the Bot API file URL prefix that python-telegram-bot expects."""
        return f"{self.api_url}/file/bot"


def load_settings(env: Mapping[str, str] | None = None, *, telegram: bool = True) -> Settings:
    """Build Settings from environment variables; `telegram` makes the token and chat required."""
    env = os.environ if env is None else env
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    staff = env.get("STAFF_CHAT_ID", "").strip()
    if telegram:
        if token is None:
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)")
        if not _TOKEN.match(token):
            raise SettingsError("TELEGRAM_BOT_TOKEN does not look like a bot token (123456:ABC…)")
        if not staff:
            raise SettingsError("STAFF_CHAT_ID is not set (the staff group's numeric chat id)")
    return Settings(
        token=token,
        staff_chat_id=_int("STAFF_CHAT_ID", staff) if staff else None,
        api_url=_api_url(env.get("TELEGRAM_API_URL", "")),
        db_path=Path(env.get("CLINIC_DB", "").strip() or DEFAULT_DB),
        clinic_config=_path(env.get("CLINIC_CONFIG", "")),
        clinic_dir=_folder(env.get("CLINIC_DIR", "")),
        staff_user_ids=_ids(env.get("STAFF_USER_IDS", "")),
        log_level=_log_level(env.get("LOG_LEVEL", "")),
        webhook_secret=_webhook_secret(env.get("WEBHOOK_SECRET", "")),
        webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
        webhook_port=_port(env.get("WEBHOOK_PORT", "").strip() or "8443"),
        rate_limit=_rate_limit(env.get("TELEGRAM_RATE_LIMIT", "").strip() or "30"),
    )


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {value!r}") from None


def _path(value: str) -> Path | None:
    return Path(value.strip()) if value.strip() else None


def _folder(value: str) -> Path | None:
    folder = _path(value)
    if folder is None:
        return None
    if not folder.exists():
        raise SettingsError(
            f"CLINIC_DIR: no folder at {folder} (make one with: clinic-bot init {folder})"
        )
    if not folder.is_dir():
        raise SettingsError(f"CLINIC_DIR: {folder} is a file, not a folder")
    return folder


def _ids(value: str) -> frozenset[int]:
    parts = [p for p in re.split(r"[\s,]+", value.strip()) if p]
    return frozenset(_int("STAFF_USER_IDS", p) for p in parts)


def _api_url(value: str) -> str:
    url = value.strip().rstrip("/") or DEFAULT_API_URL
    if not re.match(r"^https?://[^\s/]+", url):
        raise SettingsError(f"TELEGRAM_API_URL must start with http:// or https://, got {url!r}")
    # Accept both the server root and the older ".../bot" form.
    return url.removesuffix("/bot")


def _log_level(value: str) -> str:
    level = value.strip().upper() or "INFO"
    if level not in _LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {value!r}")
    return level


def _port(value: str) -> int:
    port = _int("WEBHOOK_PORT", value)
    if not 1 <= port <= 65535:
        raise SettingsError(f"WEBHOOK_PORT must be between 1 and 65535, got {port}")
    return port


def _rate_limit(value: str) -> int:
    rate = _int("TELEGRAM_RATE_LIMIT", value)
    if not 0 <= rate <= 1000:
        raise SettingsError(
            f"TELEGRAM_RATE_LIMIT must be between 0 (no limit) and 1000 messages a second, "
            f"got {rate}"
        )
    return rate


def _webhook_secret(value: str) -> str | None:
    secret = value.strip() or None
    if secret is not None and not _WEBHOOK_SECRET.match(secret):
        # The value itself is not shown: it is a secret.
        raise SettingsError(
            f"WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram "
            f"refuses others), got {len(secret)} characters; unset it to have one generated"
        )
    return secret
