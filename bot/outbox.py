"""Deliver queued Bot API calls, in order per chat, retrying until Telegram accepts them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from telegram import (
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.storage import OutboxItem, Storage

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


class ApiSender(Protocol):
    """Anything that sends messages: the real Bot, or the terminal's stand-in."""

    async def send_message(self, *args: Any, **kwargs: Any) -> Any:
        """Send a message."""

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Any:
        """Edit a message's text and buttons."""


class Outbox:
    """Sends what the storage queued; failed items wait and are tried again."""

    def __init__(self, storage: Storage, bot: ApiSender, backoff: float = 1.0) -> None:
        self.storage = storage
        self.bot = bot
        self.backoff = backoff  # seconds before the first retry; doubles each time
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def wake(self) -> None:
        """Ask the worker to look for due items now."""
        self._wake.set()

    async def flush(self) -> int:
        """Deliver every due item, oldest first; return how many were delivered."""
        async with self._lock:
            delivered = 0
            blocked: set[int] = set()
            while True:
                items = [i for i in await self.storage.pending_outbox() if i.chat_id not in blocked]
                if not items:
                    return delivered
                progress = False
                for item in items:
                    if item.chat_id in blocked:
                        continue
                    if await self._deliver(item):
                        delivered += 1
                        progress = True
                    else:
                        # Keep a chat's messages in order: wait for the failed one first.
                        blocked.add(item.chat_id)
                if not progress:
                    return delivered

    async def run(self, interval: float = 1.0) -> None:
        """Flush the outbox whenever woken, and at least every `interval` seconds."""
        while True:
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event=outbox_flush_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()

    async def _deliver(self, item: OutboxItem) -> bool:
        try:
            result = await self._call(item)
        except RetryAfter as exc:
            await self._retry(item, _seconds(exc.retry_after), "429 retry after")
            return False
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                await self._sent(item, None)
                return True
            await self._give_up(item, f"bad request: {exc.message}")
            return True
        except Forbidden as exc:
            await self._give_up(item, f"forbidden: {exc.message}")
            return True
        except TelegramError as exc:
            backoff = min(MAX_BACKOFF, self.backoff * 2.0 ** min(item.attempts, 9))
            await self._retry(item, backoff, f"{type(exc).__name__}: {exc.message}")
            return False
        await self._sent(item, _message_id(result))
        return True

    async def _call(self, item: OutboxItem) -> Any:
        kwargs = dict(item.payload)
        if "reply_markup" in kwargs:
            kwargs["reply_markup"] = _markup(kwargs["reply_markup"])
        if "reply_parameters" in kwargs:
            kwargs["reply_parameters"] = ReplyParameters(**kwargs["reply_parameters"])
        if item.method == "editMessageText":
            return await self.bot.edit_message_text(**kwargs)
        return await self.bot.send_message(**kwargs)

    async def _sent(self, item: OutboxItem, message_id: int | None) -> None:
        await self.storage.mark_sent(item.id, message_id)

    async def _retry(self, item: OutboxItem, seconds: float, reason: str) -> None:
        log.warning(
            "event=outbox_retry outbox_id=%s purpose=%s in=%.0fs reason=%s",
            item.id,
            item.purpose,
            seconds,
            reason,
        )
        retry_at = datetime.now(UTC) + timedelta(seconds=seconds)
        await self.storage.mark_failed(item.id, reason, retry_at)

    async def _give_up(self, item: OutboxItem, reason: str) -> None:
        log.error(
            "event=outbox_gave_up outbox_id=%s purpose=%s reason=%s", item.id, item.purpose, reason
        )
        await self.storage.give_up(item.id, reason)


def _markup(data: dict[str, Any]) -> ReplyMarkup:
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    return ReplyKeyboardRemove.de_json(data, None)


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value) if isinstance(value, int | float) else 1.0


def _message_id(result: Any) -> int | None:
    if isinstance(result, Message):
        return result.message_id
    if isinstance(result, dict) and isinstance(result.get("message_id"), int):
        return int(result["message_id"])
    return None
