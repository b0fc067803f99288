"""The outbox: Bot API calls queued in the same transaction as what caused them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from bot.store.sql import Sql, iso, marks, now_iso


class Purpose(StrEnum):
    """What an outbox item is for; it decides what /forget and retention take with it."""

    REPLY = "reply"  # the bot's answer to a client
    REQUEST = "request"  # a request or alert card in the staff chat
    STAFF_EDIT = "staff_edit"  # a card edited (status, redaction)
    STAFF_ACTION = "staff_action"  # the client told what staff did with their request
    HANDOFF = "handoff"  # a client's message shown to staff
    HANDOFF_REPLY = "handoff_reply"  # a staff reply passed to the client
    STAFF = "staff"  # anything else for the staff chat (command answers, notices)
    REMINDER = "reminder"  # a client's reminder of an appointment (ref: its request)


# Items that carry a request's details, deleted with the request.
ABOUT_REQUESTS = (Purpose.REQUEST, Purpose.STAFF_EDIT, Purpose.STAFF_ACTION, Purpose.REMINDER)


class Priority(IntEnum):
    """How soon an outbox item goes, ahead of its chat's others: urgent alerts first."""

    NORMAL = 0
    ALERT = 1


@dataclass(frozen=True)
class OutboxItem:
    """A message waiting to be delivered to Telegram."""

    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    purpose: str
    ref: int | None
    attempts: int
    # After this it is no use (a reminder once the appointment has started): not sent.
    expires_at: datetime | None = None


# An outbox item `o` that is due now (both ? are the current time): not yet settled, its
# retry time reached, and no item ahead of it in its chat still waiting for a retry. A
# chat's items go by priority (higher first), then in the order they were queued.
_DUE = (
    "o.sent_at IS NULL AND o.gave_up_at IS NULL AND o.next_attempt_at <= ? AND NOT EXISTS ("
    "SELECT 1 FROM outbox w WHERE w.sent_at IS NULL AND w.gave_up_at IS NULL "
    "AND w.next_attempt_at > ? AND w.chat_id = o.chat_id "
    "AND (w.priority > o.priority OR (w.priority = o.priority AND w.id < o.id)))"
)


class Outbox:
    """Queue, read and settle outbox items."""

    def __init__(self, sql: Sql, queued: list[OutboxItem] | None = None) -> None:
        self.sql = sql
        self.queued = queued if queued is not None else []  # what enqueue() added, in order

    async def enqueue(
        self,
        chat_id: int,
        method: str,
        payload: dict[str, Any],
        purpose: Purpose,
        ref: int | None = None,
        priority: Priority = Priority.NORMAL,
        expires_at: datetime | None = None,
    ) -> OutboxItem:
        """Queue a Bot API call for delivery; return the queued item."""
        now = now_iso()
        text = json.dumps(payload, ensure_ascii=False)
        expires = iso(expires_at) if expires_at is not None else None
        new_id = await self.sql.insert(
            "INSERT INTO outbox (chat_id, method, payload, purpose, ref, created_at, "
            "next_attempt_at, priority, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (chat_id, method, text, purpose.value, ref, now, now, int(priority), expires),
        )
        item = OutboxItem(new_id, chat_id, method, payload, purpose.value, ref, 0, expires_at)
        self.queued.append(item)
        return item

    async def due(self, chat_id: int | None = None, limit: int = 50) -> list[OutboxItem]:
        """Return the items due to be sent (of one chat, or all), in sending order.

        A chat's messages go out in order (alerts first, see `Priority`): behind an item
        that waits for a retry, its chat's later items wait too.
        """
        now = now_iso()
        rows = await self.sql.rows(
            "SELECT id, chat_id, method, payload, purpose, ref, attempts, expires_at "
            "FROM outbox o WHERE "
            + _DUE
            + " AND (? IS NULL OR chat_id = ?) ORDER BY priority DESC, id LIMIT ?",
            (now, now, chat_id, chat_id, limit),
        )
        return [
            OutboxItem(
                r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6],
                datetime.fromisoformat(r[7]) if r[7] else None,
            )
            for r in rows
        ]  # fmt: skip

    async def chats_due(self) -> list[int]:
        """Return the chats that have items due now, oldest first."""
        now = now_iso()
        rows = await self.sql.rows(
            "SELECT chat_id FROM outbox o WHERE "  # noqa: S608 (constants only)
            + _DUE
            + " GROUP BY chat_id ORDER BY min(id)",
            (now, now),
        )
        return [int(r[0]) for r in rows]

    async def mark_sent(self, accepted: dict[int, int | None]) -> set[int]:
        """Record that Telegram accepted these items (outbox id: message id), in one write,
        and drop their texts.

        Only the message id is kept (staff replies and /forget need it): what was said to a
        client, health-check answers included, is not kept as a transcript. Return the ids
        recorded; an id left out is no longer there (deleted by /forget or the retention
        job meanwhile).
        """
        pairs = [value for item in accepted.items() for value in item]
        values = ", ".join("(?, ?)" for _ in accepted)  # placeholders only
        sql = (
            "UPDATE outbox SET sent_at = ?, message_id = v.column2, attempts = attempts + 1, "  # noqa: S608
            f"payload = '{{}}' FROM (VALUES {values}) AS v "
            "WHERE outbox.id = v.column1 RETURNING outbox.id"
        )
        rows = await self.sql.rows(sql, (now_iso(), *pairs))
        return {int(row[0]) for row in rows}

    async def mark_failed(self, outbox_id: int, error: str, retry_at: datetime) -> None:
        """Record a failed delivery and when to try again."""
        await self.sql.run(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
            "WHERE id = ?",
            (error[:200], iso(retry_at), outbox_id),
        )

    async def give_up(self, outbox_id: int, error: str) -> None:
        """Stop retrying an item that Telegram refuses for good, and drop its text."""
        await self.sql.run(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, gave_up_at = ?, "
            "payload = '{}' WHERE id = ?",
            (error[:200], now_iso(), outbox_id),
        )

    async def move_chat(self, old: int, new: int) -> int:
        """Move a chat's undelivered items to its new id (a group became a supergroup)."""
        return await self.sql.run(
            "UPDATE outbox SET chat_id = ?, payload = json_set(payload, '$.chat_id', ?), "
            "next_attempt_at = ? WHERE chat_id = ? AND sent_at IS NULL AND gave_up_at IS NULL",
            (new, new, now_iso(), old),
        )

    async def retry_all_now(self) -> int:
        """Make every undelivered item due now (used at start-up: Telegram may be back)."""
        return await self.sql.run(
            "UPDATE outbox SET next_attempt_at = ? WHERE sent_at IS NULL AND gave_up_at IS NULL",
            (now_iso(),),
        )

    async def replace_unsent(self, purpose: Purpose, ref: int, payload: dict[str, Any]) -> None:
        """Send this instead of what is queued for a ref and not yet delivered."""
        await self.sql.run(
            "UPDATE outbox SET payload = ? WHERE purpose = ? AND ref = ? AND sent_at IS NULL",
            (json.dumps(payload, ensure_ascii=False), purpose.value, ref),
        )

    async def from_staff(self, chat_id: int, message_id: int) -> bool:
        """Say whether a message in a client's chat came from staff (a reply or an action)."""
        rows = await self.sql.rows(
            "SELECT 1 FROM outbox WHERE chat_id = ? AND message_id = ? AND purpose IN (?, ?)",
            (chat_id, message_id, Purpose.HANDOFF_REPLY.value, Purpose.STAFF_ACTION.value),
        )
        return bool(rows)

    async def forget_about(self, purposes: tuple[Purpose, ...], refs: list[int]) -> None:
        """Delete the items of these purposes about these refs (what they show is deleted)."""
        if refs:
            await self.sql.run(
                f"DELETE FROM outbox WHERE ref IN ({marks(refs)}) "  # noqa: S608
                f"AND purpose IN ({marks(purposes)})",
                (*refs, *(p.value for p in purposes)),
            )

    async def drop_unsent(self, purpose: Purpose, ref: int) -> int:
        """Delete what is queued for a ref and not yet delivered (a cancelled reminder)."""
        return await self.sql.run(
            "DELETE FROM outbox WHERE purpose = ? AND ref = ? AND sent_at IS NULL",
            (purpose.value, ref),
        )

    async def forget_chat(self, chat_id: int) -> None:
        """Delete every item for a chat."""
        await self.sql.run("DELETE FROM outbox WHERE chat_id = ?", (chat_id,))

    async def forget_settled(self, before: datetime) -> int:
        """Delete the record of items sent or given up on before a time."""
        cutoff = iso(before)
        return await self.sql.run(
            "DELETE FROM outbox WHERE sent_at < ? OR gave_up_at < ?", (cutoff, cutoff)
        )

    async def forget_queued_before(self, before: datetime) -> int:
        """Delete items queued before a time, delivered or not."""
        return await self.sql.run("DELETE FROM outbox WHERE created_at < ?", (iso(before),))
