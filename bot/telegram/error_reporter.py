"""The error handler: log, say sorry to the client, alert staff at most once a minute."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)


class ErrorReporter:
    """Handles exceptions raised by handlers, without ever showing a traceback to anyone."""

    def __init__(
        self,
        staff_chat_id: int,
        sorry: str,
        min_interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.staff_chat_id = staff_chat_id
        self.sorry = sorry
        self.min_interval = min_interval
        self.clock = clock
        self._last_alert: float | None = None

    async def __call__(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error, apologise to the client, and alert staff unless alerted recently."""
        error = context.error
        name = type(error).__name__
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("event=handler_error error=%s update_id=%s", name, update_id, exc_info=error)
        try:
            chat = update.effective_chat if isinstance(update, Update) else None
            if chat is not None and chat.type == "private":
                await context.bot.send_message(chat.id, self.sorry)
            now = self.clock()
            if self._last_alert is None or now - self._last_alert >= self.min_interval:
                self._last_alert = now
                await context.bot.send_message(
                    self.staff_chat_id,
                    f"⚠️ The bot hit an error ({name}) and kept running. Details are in its log.",
                )
        except TelegramError as exc:
            log.warning("event=error_report_failed error=%s", type(exc).__name__)
