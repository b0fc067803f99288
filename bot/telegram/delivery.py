"""Deliver queued Bot API calls, in order per chat (alerts first), retrying until accepted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.services.api_calls import fit_text
from bot.services.html_parts import to_plain
from bot.store.database import Storage
from bot.store.outbox import OutboxItem, Purpose
from bot.store.sent_marks import SentMarks
from bot.telegram.chat_locks import ChatLocks

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0
BATCH = 50  # outbox items read at a time for one chat
# Longest wait between two tries at recording that Telegram accepted an item.
MAX_MARK_BACKOFF = 30.0
# What a staff message says once what it was about was deleted while it was being sent.
LATE_REDACTIONS: dict[str, str] = {
    Purpose.REQUEST: "Request #{ref}: details deleted.",
    Purpose.HANDOFF: "Message deleted.",
}
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
StaffChatMoved = Callable[[int], None]


class ApiSender(Protocol):
    """Anything that sends messages: the real Bot, or the terminal's stand-in."""

    async def send_message(self, *args: Any, **kwargs: Any) -> Any:
        """Send a message."""

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Any:
        """Edit a message's text and buttons."""

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> Any:
        """Change or take away a message's buttons."""

    async def send_document(self, *args: Any, **kwargs: Any) -> Any:
        """Send a file."""


@dataclass
class _Accepted:
    """An item Telegram accepted whose delivery the database has not recorded yet."""

    message_id: int | None
    tries: int = 0
    next_try: float = 0.0  # event-loop time of the next try at recording it
    # Where it went and what it was about, to redact it if that is deleted meanwhile.
    chat_id: int = 0
    purpose: str = ""
    ref: int | None = None


class Outbox:
    """Sends what the storage queued; failed items wait and are tried again."""

    def __init__(
        self,
        storage: Storage,
        bot: ApiSender,
        backoff: float = 1.0,
        staff_chat_id: int | None = None,
    ) -> None:
        self.storage = storage
        self.bot = bot
        self.backoff = backoff  # seconds before the first retry; doubles each time
        self.staff_chat_id = staff_chat_id
        self._wake = asyncio.Event()
        self._chats = ChatLocks()
        # Delivered but not yet marked sent (e.g. the disk is full): never sent again.
        self._accepted: dict[int, _Accepted] = {}
        self._marks = SentMarks(storage.outbox)  # recorded in groups under load
        # At most this many chats are flushed at once.
        self._parallel = asyncio.Semaphore(32)
        # Told the new id when the staff group became a supergroup (see `_staff_chat_moved`).
        self.on_staff_chat_moved: list[StaffChatMoved] = []
        self.rounds = 0  # completed runs of the worker's loop (tests wait for two)

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
            await self.record_due()
            chats = await self.storage.outbox.chats_due()
        counts = await asyncio.gather(*(self._flush_chat(chat) for chat in chats))
        return sum(counts)

    async def _flush_chat(self, chat_id: int) -> int:
        async with self._parallel, self.holding(chat_id):
            return await self.deliver_held(chat_id)

    def holding(self, chat_id: int) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold a chat's delivery lock: nothing else sends to the chat meanwhile.

        Held while an update is stored and its replies sent, it keeps another flush from
        sending the same new items a second time.
        """
        return self._chats.holding(chat_id)

    async def deliver_held(self, chat_id: int, known: Sequence[OutboxItem] | None = None) -> int:
        """Deliver a chat's due items in order, with its lock held (see `holding`).

        `known` are the chat's only undelivered items, just queued: they are sent without
        reading them back. Stop at the first item that fails; it is retried later.
        """
        if known is not None:
            return await self._deliver_in_order(known)
        # The staff chat's queue is read again before each message: an alert queued while
        # others wait for Telegram's group rate limit goes next, not after them.
        batch = 1 if chat_id == self.staff_chat_id else BATCH
        delivered = 0
        while True:
            items = await self.storage.outbox.due(chat_id, batch)
            sent = await self._deliver_in_order(items)
            delivered += sent
            if sent < len(items) or len(items) < batch:
                return delivered

    async def _deliver_in_order(self, items: Sequence[OutboxItem]) -> int:
        for done, item in enumerate(items):
            if not await self._deliver(item):
                return done
        return len(items)

    async def run(self, interval: float = 1.0) -> None:
        """Flush the outbox whenever woken, and at least every `interval` seconds."""
        while True:
            try:
                await self.storage.inbox.forget_handled()  # see bot/store/inbox.py
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event=outbox_flush_failed")
            self.rounds += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()

    async def _deliver(self, item: OutboxItem) -> bool:
        """Send one item; True if it is settled (sent, or refused for good)."""
        accepted = self._accepted.get(item.id)
        if accepted is not None:
            # Telegram has it already: only the record of that is missing.
            return await self._record(item.id, accepted)
        if item.expires_at is not None and item.expires_at <= datetime.now(UTC):
            await self._give_up(item, "too late: no use any more")
            return True
        try:
            result = await self._call(item)
        except RetryAfter as exc:
            await self._retry(item, _seconds(exc.retry_after), "429 retry after")
            return False
        except ChatMigrated as exc:
            if item.chat_id == self.staff_chat_id:
                await self._staff_chat_moved(item.chat_id, int(exc.new_chat_id))
                return False  # its items now wait under the new id, this one first
            log.error("event=chat_moved chat=%s new_chat_id=%s", item.chat_id, exc.new_chat_id)
            await self._retry(item, MAX_BACKOFF, "chat migrated")
            return False
        except (BadRequest, Forbidden) as exc:
            if isinstance(exc, BadRequest) and "not modified" in exc.message.lower():
                return await self._sent(item, None)
            if item.chat_id == self.staff_chat_id and _chat_unreachable(exc):
                # Staff must not miss a request: wait until the bot is (back) in the group.
                log.error(
                    "event=staff_chat_unreachable reason=%s: add the bot to the staff group "
                    "and check STAFF_CHAT_ID",
                    exc.message,
                )
                await self._retry(item, self._backoff(item), "staff chat unreachable")
                return False
            await self._give_up(item, f"{type(exc).__name__}: {exc.message}")
            return True
        except TelegramError as exc:
            await self._retry(item, self._backoff(item), f"{type(exc).__name__}: {exc.message}")
            return False
        return await self._sent(item, _message_id(result))

    def _backoff(self, item: OutboxItem) -> float:
        return min(MAX_BACKOFF, self.backoff * 2.0 ** min(item.attempts, 9))

    async def _staff_chat_moved(self, old: int, new: int) -> None:
        """Follow the staff group to its new id: Telegram made it a supergroup.

        Everything still waiting for the old id is moved to the new one, and the bot takes
        staff commands and buttons from the new group. The setting is not rewritten: after
        a restart the bot follows again at the first message, so STAFF_CHAT_ID should be
        updated (the log line says so).
        """
        log.error(
            "event=staff_chat_moved chat=%s new_chat_id=%s: the staff group became a "
            "supergroup; messages now go to the new id; set STAFF_CHAT_ID=%s",
            old, new, new,
        )  # fmt: skip
        moved = await self.storage.outbox.move_chat(old, new)
        self.staff_chat_id = new
        for follow in self.on_staff_chat_moved:
            follow(new)
        log.info("event=staff_chat_outbox_moved items=%s", moved)
        self.wake()

    async def _call(self, item: OutboxItem) -> Any:
        try:
            return await self._call_payload(item.method, item.payload)
        except BadRequest as exc:
            malformed = "can't parse entities" in exc.message.lower()
            if not malformed or "parse_mode" not in item.payload:
                raise
            # Our HTML should always parse; if Telegram still refuses it (an item queued by
            # an older version, or a rule we do not know), the text goes as plain text
            # rather than not at all: the client was told it was sent.
            log.error(
                "event=outbox_plain_fallback outbox_id=%s purpose=%s error=%s",
                item.id, item.purpose, exc.message,
            )  # fmt: skip
            payload = {k: v for k, v in item.payload.items() if k != "parse_mode"}
            payload["text"] = fit_text(to_plain(str(item.payload.get("text", ""))))
            return await self._call_payload(item.method, payload)

    async def _call_payload(self, method: str, payload: dict[str, Any]) -> Any:
        if isinstance(self.bot, Bot):
            return await _post_payload(self.bot, method, payload)
        # Other senders (the terminal's, the tests' recording one) take the Bot's methods
        # with python-telegram-bot objects.
        kwargs = dict(payload)
        if "reply_markup" in kwargs:
            kwargs["reply_markup"] = _markup(kwargs["reply_markup"])
        if "reply_parameters" in kwargs:
            kwargs["reply_parameters"] = ReplyParameters(**kwargs["reply_parameters"])
        if method == "editMessageText":
            return await self.bot.edit_message_text(**kwargs)
        if method == "editMessageReplyMarkup":
            return await self.bot.edit_message_reply_markup(**kwargs)
        if method == "sendDocument":
            # A small text file kept in the payload (an appointment's .ics): its name and text.
            file = kwargs.pop("document")
            data = str(file["text"]).encode()
            kwargs["document"] = InputFile(data, filename=str(file["name"]))
            return await self.bot.send_document(**kwargs)
        return await self.bot.send_message(**kwargs)

    async def _sent(self, item: OutboxItem, message_id: int | None) -> bool:
        """Record a delivery; if the database refuses, remember it and try again later."""
        accepted = _Accepted(message_id, chat_id=item.chat_id, purpose=item.purpose, ref=item.ref)
        self._accepted[item.id] = accepted
        return await self._record(item.id, accepted)

    async def _record(self, outbox_id: int, accepted: _Accepted, force: bool = False) -> bool:
        """Mark an accepted item sent; True once recorded.

        Until then the item is not sent again, and its chat's later items wait behind it,
        so a full disk costs retries of the record, never a message repeated to a client.
        """
        loop = asyncio.get_running_loop()
        if not force and loop.time() < accepted.next_try:
            return False
        try:
            recorded = await self._marks.record(outbox_id, accepted.message_id)
        except sqlite3.Error as exc:
            delay = min(MAX_MARK_BACKOFF, self.backoff * 2.0 ** min(accepted.tries, 9))
            accepted.tries += 1
            accepted.next_try = loop.time() + delay
            log.error(
                "event=outbox_mark_failed outbox_id=%s tries=%s retry_in=%.1fs error=%s",
                outbox_id, accepted.tries, delay, exc,
            )  # fmt: skip
            loop.call_later(delay, self._wake.set)
            return False
        # The sender and the worker's `record_due` may both have tried: the first one wins.
        if self._accepted.pop(outbox_id, None) is None:
            return True
        if not recorded:
            # Its row went while it was on its way (/forget, end of life): what it was about
            # is deleted, so the message staff now see must not keep it.
            await self._redact_late(accepted)
        return True

    async def _redact_late(self, accepted: _Accepted) -> None:
        if accepted.message_id is None or accepted.purpose not in LATE_REDACTIONS:
            return
        line = LATE_REDACTIONS[accepted.purpose].format(ref=accepted.ref or "")
        try:
            await self.bot.edit_message_text(
                chat_id=accepted.chat_id, message_id=accepted.message_id, text=line
            )
        except TelegramError as exc:
            log.error("event=outbox_late_redact_failed error=%s", type(exc).__name__)
        else:
            log.info("event=outbox_late_redacted purpose=%s", accepted.purpose)

    async def record_due(self) -> None:
        """Try again to record deliveries whose record failed, when their time has come.

        Their rows may be gone meanwhile (/forget): then the message is redacted.
        """
        for outbox_id, accepted in list(self._accepted.items()):
            if accepted.tries:  # a record that failed before; fresh ones are their sender's
                await self._record(outbox_id, accepted)

    async def record_accepted(self) -> None:
        """Try once more to record every delivery still unrecorded (at shutdown)."""
        for outbox_id, accepted in list(self._accepted.items()):
            if not await self._record(outbox_id, accepted, force=True):
                log.error("event=outbox_unrecorded outbox_id=%s: may be sent again", outbox_id)

    async def _retry(self, item: OutboxItem, seconds: float, reason: str) -> None:
        log.warning(
            "event=outbox_retry outbox_id=%s purpose=%s in=%.0fs reason=%s",
            item.id,
            item.purpose,
            seconds,
            reason,
        )
        retry_at = datetime.now(UTC) + timedelta(seconds=seconds)
        await self.storage.outbox.mark_failed(item.id, reason, retry_at)

    async def _give_up(self, item: OutboxItem, reason: str) -> None:
        log.error(
            "event=outbox_gave_up outbox_id=%s purpose=%s reason=%s", item.id, item.purpose, reason
        )
        await self.storage.outbox.give_up(item.id, reason)


async def _post_payload(bot: Bot, method: str, payload: dict[str, Any]) -> Any:
    """Send a queued call to the Bot API as it is: its JSON, the answer left as JSON.

    The payloads are Bot API parameters already (bot/services/api_calls.py): turning them
    into python-telegram-bot objects for `send_message` and the answer into a `Message`
    would only be undone again. `do_api_request` without a return type sends them through
    the same steps as the Bot's methods (the rate limiter, the same errors raised) and
    gives back the answer's JSON (the message's, or True).

    The method goes by its lower-case name ("sendmessage"): the Bot API's method names are
    case-insensitive, and `do_api_request` warns at each call of a name the Bot has as a
    method of its own ("Please use 'Bot.sendMessage' instead"), which here is on purpose.
    """
    data = dict(payload)
    if method == "sendDocument":
        # A small text file kept in the payload (an appointment's .ics): its name and text.
        file = data.pop("document")
        data["document"] = InputFile(str(file["text"]).encode(), filename=str(file["name"]))
    return await bot.do_api_request(method.lower(), api_kwargs=data)


def _markup(data: dict[str, Any]) -> ReplyMarkup:
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    return ReplyKeyboardRemove.de_json(data, None)


def _chat_unreachable(exc: TelegramError) -> bool:
    """Say whether an error is about the chat itself, not about one message."""
    text = exc.message.lower()
    return isinstance(exc, Forbidden) or "chat not found" in text or "not a member" in text


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
