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
        return True


def setup_logging(settings: Settings) -> None:
    """Log to stderr at the configured level; quieten libraries that log URLs."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactToken(settings.token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # httpx logs every request URL, and Bot API URLs contain the token.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
