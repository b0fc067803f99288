"""Helpers shared by the client and staff handlers."""

from __future__ import annotations

import logging

from telegram import CallbackQuery
from telegram.error import TelegramError

log = logging.getLogger(__name__)


async def answer_quietly(
    query: CallbackQuery, text: str | None = None, alert: bool = False
) -> None:
    """Stop the button's spinner; if Telegram is unreachable, carry on with the work anyway."""
    try:
        await query.answer(text, show_alert=alert)
    except TelegramError as exc:
        log.warning("event=answer_callback_failed error=%s", type(exc).__name__)


def command_name(text: str) -> str:
    """Return the command a message starts with: "/Book@clinic_bot now" → "book"."""
    return text.split()[0].lstrip("/").split("@")[0].lower() if text.strip() else ""
