"""Deliver queued Bot API calls, in order per chat, retrying until Telegram accepts them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
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
BATCH = 50  # outbox items read at a time for one chat
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
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        # At most this many chats are sent to at once.
        self._parallel = asyncio.Semaphore(32)

    def wake(self) -> None:
        """Ask the worker to look for due items now."""
        self._wake.set()

    async def flush(self, chats: Iterable[int] | None = None) -> int:
        """Deliver every due item of these chats (default: all), each chat's in order.

        Chats are served side by side; one chat's items go one at a time, and a failed
        item holds back the ones after it, so a chat's messages never arrive out of order.
        Return how many items were delivered.
        """
        if chats is None:
            chats = await self.storage.chats_with_pending_outbox()
        counts = await asyncio.gather(*(self._flush_chat(chat) for chat in chats))
        return sum(counts)

    async def _flush_chat(self, chat_id: int) -> int:
        async with self._parallel, self._chat_lock(chat_id):
            delivered = 0
            while True:
                items = await self.storage.pending_outbox(chat_id, BATCH)
                for item in items:
                    if not await self._deliver(item):
                        return delivered
                    delivered += 1
                if len(items) < BATCH:
                    return delivered

    @contextlib.asynccontextmanager
    async def _chat_lock(self, chat_id: int) -> AsyncIterator[None]:
        """Hold the chat's lock, so one item is never sent twice by two flushes."""
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._users[chat_id] = self._users.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[chat_id] -= 1
            if not self._users[chat_id]:
                del self._users[chat_id], self._locks[chat_id]

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
