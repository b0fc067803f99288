"""Logging: readable lines, no personal data, never the bot token."""

from __future__ import annotations

import logging

from bot.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class RedactToken(logging.Filter):
    """Replace the bot token wherever it would appear in a log line."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without the token."""
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg = message.replace(self.token, "<token>")
                record.args = None
            if record.exc_info and not record.exc_text:
                text = logging.Formatter().formatException(record.exc_info)
                record.exc_text = text.replace(self.token, "<token>")
        return True


class _BotHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler this module installs (so a second call replaces it, not others)."""


def setup_logging(settings: Settings) -> None:
    """Log to stderr at the configured level, without personal data or the token.

    Even at DEBUG, python-telegram-bot and httpx stay at INFO/WARNING: at DEBUG they log
    request parameters (message texts, button labels: health data) and URLs (the token).
    """
    handler = _BotHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactToken(settings.token))
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _BotHandler)] + [handler]
    root.setLevel(settings.log_level)
    for library, floor in (("telegram", logging.INFO), ("httpx", logging.WARNING),
                           ("httpcore", logging.WARNING), ("apscheduler", logging.WARNING),
                           ("aiosqlite", logging.INFO), ("tornado", logging.INFO)):  # fmt: skip
        logging.getLogger(library).setLevel(max(floor, logging.getLevelName(settings.log_level)))
