"""Logging: readable lines, no personal data, never the bot token."""

from __future__ import annotations

import logging
from urllib.parse import quote

from bot.config.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
REDACTED = "<token>"


def redact(text: str, token: str | None) -> str:
    """Return text with the bot token, its secret half and its URL-quoted form replaced."""
    if not token:
        return text
    secret = token.partition(":")[2]
    # The secret half alone is enough to use the bot; a short one would match ordinary words.
    for form in (token, quote(token, safe=""), secret if len(secret) >= 16 else ""):
        if form:
            text = text.replace(form, REDACTED)
    return text


class RedactingFormatter(logging.Formatter):
    """Format a record, then take the token out of all of it: message, traceback, stack."""

    def __init__(self, token: str | None, fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        """Return the formatted line with the token replaced."""
        return redact(super().format(record), self.token)

    def formatException(self, ei: logging._SysExcInfoType) -> str:
        """Format a traceback without the token (it is cached on the record as exc_text)."""
        return redact(super().formatException(ei), self.token)


class _BotHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler this module installs (so a second call replaces it, not others)."""


def setup_logging(settings: Settings) -> None:
    """Log to stderr at the configured level, without personal data or the token.

    Even at DEBUG, python-telegram-bot and httpx stay at INFO/WARNING: at DEBUG they log
    request parameters (message texts, button labels: health data) and URLs (the token).
    """
    handler = _BotHandler()
    handler.setFormatter(RedactingFormatter(settings.token))
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _BotHandler)] + [handler]
    root.setLevel(settings.log_level)
    for library, floor in (("telegram", logging.INFO), ("httpx", logging.WARNING),
                           ("httpcore", logging.WARNING), ("apscheduler", logging.WARNING),
                           ("aiosqlite", logging.INFO), ("tornado", logging.INFO)):  # fmt: skip
        logging.getLogger(library).setLevel(max(floor, logging.getLevelName(settings.log_level)))
