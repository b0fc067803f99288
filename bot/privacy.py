"""Deleting a client's data on request (/forget) and after the retention periods."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.records import FINAL_STATUSES
from bot.storage import Storage, Transaction, iso

log = logging.getLogger(__name__)
StaffCall = tuple[str, dict[str, Any], str, int | None]
_ABOUT_REQUESTS = "purpose IN ('request', 'staff_edit', 'staff_action')"


async def forget_client(tx: Transaction, chat_id: int, staff_chat: int) -> list[StaffCall]:
    """Delete every row about a client; return the staff-chat edits and notice to send."""
    db = tx.db
    # A booking hold outlives /forget: its alert stays, bare, until staff tap Contacted.
    held = await tx.held_request(chat_id)
    async with db.execute(
        "SELECT id, status FROM requests WHERE chat_id = ? AND id IS NOT ?", (chat_id, held)
    ) as c:
        requests = [(int(r[0]), str(r[1])) for r in await c.fetchall()]
    async with db.execute("SELECT id FROM handoff WHERE chat_id = ?", (chat_id,)) as c:
        handoffs = [int(r[0]) for r in await c.fetchall()]
    calls: list[StaffCall] = []
    # Take the client's details off the staff chat too, not only out of the database.
    for purpose, ids, text in (
        (
            "request",
            [r for r, _ in requests],
            "Request #{id}: details deleted at the client's request.",
        ),
        ("handoff", handoffs, "Message deleted at the client's request."),
    ):
        for ref in ids:
            async with db.execute(
                "SELECT message_id FROM outbox WHERE chat_id = ? AND purpose = ? AND ref = ? "
                "AND message_id IS NOT NULL",
                (staff_chat, purpose, ref),
            ) as c:
                for (message_id,) in await c.fetchall():
                    payload = {"chat_id": staff_chat, "message_id": message_id,
                               "text": text.format(id=ref)}  # fmt: skip
                    calls.append(("editMessageText", payload, "staff_edit", None))
    if held is not None:
        calls.extend(await _strip_held_alert(tx, held, staff_chat))
    withdrawn = [r for r, status in requests if status not in FINAL_STATUSES]
    if requests or held is not None:
        numbers = ", ".join(f"#{r}" for r in withdrawn) or "none open"
        notice = (
            f"🗑 A client used /forget: their data has been deleted. Withdrawn requests: {numbers}."
        )
        if held is not None:
            notice += f" Their booking stays on hold until someone taps Contacted on #{held}."
        calls.append(("sendMessage", {"chat_id": staff_chat, "text": notice}, "staff", None))
    ids = [r for r, _ in requests]
    await _delete_many(tx, "request_actions", "request_id", ids)
    await _delete_many(
        tx, "outbox", "ref", ids, "purpose IN ('request', 'staff_edit', 'staff_action')"
    )
    await _delete_many(tx, "outbox", "ref", handoffs, "purpose = 'handoff'")
    await db.execute("DELETE FROM requests WHERE chat_id = ? AND id IS NOT ?", (chat_id, held))
    for table in ("unanswered", "handoff", "conversations", "outbox"):
        await db.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))  # noqa: S608
    log.info("event=client_forgotten requests=%s", len(requests))
    return calls


async def _strip_held_alert(tx: Transaction, request_id: int, staff_chat: int) -> list[StaffCall]:
    """Keep only the bare alert behind a hold: no name, phone, items or profile."""
    await tx.db.execute(
        "UPDATE requests SET username = NULL, first_name = '', name = '', phone = '', "
        "times = '', concern = '', flags = '[]', consent_at = NULL WHERE id = ?",
        (request_id,),
    )
    text = (
        f"Request #{request_id}: details deleted at the client's request. Their booking stays "
        "on hold until someone taps Contacted."
    )
    button = {"text": "📞 Contacted", "callback_data": f"st:{request_id}:contacted"}
    markup = {"inline_keyboard": [[button]]}
    # Not yet delivered: send the bare version instead of the original.
    bare = {"chat_id": staff_chat, "text": text, "reply_markup": markup}
    await tx.db.execute(
        "UPDATE outbox SET payload = ? WHERE purpose = 'request' AND ref = ? AND sent_at IS NULL",
        (json.dumps(bare, ensure_ascii=False), request_id),
    )
    async with tx.db.execute(
        "SELECT message_id FROM outbox WHERE chat_id = ? AND purpose IN ('request', 'staff_edit') "
        "AND ref = ? AND message_id IS NOT NULL",
        (staff_chat, request_id),
    ) as c:
        found = [int(r[0]) for r in await c.fetchall()]
    return [
        ("editMessageText", {**bare, "message_id": message_id}, "staff_edit", request_id)
        for message_id in dict.fromkeys(found)
    ]


async def _delete_many(
    tx: Transaction, table: str, column: str, ids: list[int], extra: str = "1"
) -> None:
    if ids:
        marks = ", ".join("?" for _ in ids)
        sql = f"DELETE FROM {table} WHERE {column} IN ({marks}) AND {extra}"  # noqa: S608
        await tx.db.execute(sql, ids)


@dataclass(frozen=True)
class PurgeReport:
    """How many rows the retention job removed."""

    conversations: int
    requests: int
    other: int


async def purge_expired(
    storage: Storage, retention_days: int, closed_request_days: int, now: datetime | None = None
) -> PurgeReport:
    """Delete answers with no request behind them, old closed requests and old logs."""
    now = now or datetime.now(UTC)
    answers_before = iso(now - timedelta(days=retention_days))
    closed_before = iso(now - timedelta(days=closed_request_days))
    updates_before = iso(now - timedelta(days=7))
    async with storage.transaction() as tx:
        # Conversation state is where answers of an unfinished check live.
        c1 = await tx.db.execute(
            "DELETE FROM conversations WHERE updated_at < ?", (answers_before,)
        )
        async with tx.db.execute(
            "SELECT id FROM requests WHERE closed_at IS NOT NULL AND closed_at < ?",
            (closed_before,),
        ) as cursor:
            old = [int(r[0]) for r in await cursor.fetchall()]
        await _delete_many(tx, "request_actions", "request_id", old)
        await _delete_many(tx, "outbox", "ref", old, _ABOUT_REQUESTS)
        await _delete_many(tx, "requests", "id", old)
        other = 0
        for sql, cutoff in (
            ("DELETE FROM unanswered WHERE created_at < ?", answers_before),
            ("DELETE FROM handoff WHERE created_at < ?", closed_before),
            ("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?", answers_before),
            ("DELETE FROM processed_updates WHERE processed_at < ?", updates_before),
        ):
            cursor = await tx.db.execute(sql, (cutoff,))
            other += cursor.rowcount
    report = PurgeReport(c1.rowcount, len(old), other)
    log.info(
        "event=retention_purge conversations=%s requests=%s other=%s",
        report.conversations, report.requests, report.other,
    )  # fmt: skip
    return report
