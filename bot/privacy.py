"""Deleting a client's data on request (/forget) and after the retention periods."""

from __future__ import annotations

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
    async with db.execute("SELECT id, status FROM requests WHERE chat_id = ?", (chat_id,)) as c:
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
    withdrawn = [r for r, status in requests if status not in FINAL_STATUSES]
    if requests:
        numbers = ", ".join(f"#{r}" for r in withdrawn) or "none open"
        notice = (
            f"🗑 A client used /forget: their data has been deleted. Withdrawn requests: {numbers}."
        )
        calls.append(("sendMessage", {"chat_id": staff_chat, "text": notice}, "staff", None))
    ids = [r for r, _ in requests]
    await _delete_many(tx, "request_actions", "request_id", ids)
    await _delete_many(
        tx, "outbox", "ref", ids, "purpose IN ('request', 'staff_edit', 'staff_action')"
    )
    await _delete_many(tx, "outbox", "ref", handoffs, "purpose = 'handoff'")
    for table in ("requests", "unanswered", "handoff", "conversations", "outbox"):
        await db.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))  # noqa: S608
    log.info("event=client_forgotten requests=%s", len(requests))
    return calls


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
