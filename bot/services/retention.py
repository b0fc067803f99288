"""The retention job: delete what the clinic keeps once its time is up (run daily)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.services.privacy import ABOUT_REQUESTS, delete_many, strip_held_alert
from bot.store.database import Storage, Transaction, iso
from bot.store.staff_messages import HANDOFF, REQUEST, StaffCall, redact_staff_messages

log = logging.getLogger(__name__)
UPDATE_IDS_DAYS = 7  # long enough to ignore an update Telegram delivers again


@dataclass(frozen=True)
class PurgeReport:
    """How many rows the retention job removed."""

    conversations: int
    requests: int
    other: int


async def purge_expired(
    storage: Storage,
    retention_days: int,
    request_days: int,
    *,
    staff_chat: int,
    now: datetime | None = None,
) -> PurgeReport:
    """Delete what has outlived its retention period, and redact its staff-chat messages.

    After `retention_days`: unfinished conversations (where the answers of an unfinished
    check live), messages between clients and staff, unanswered questions and the outbox's
    record of settled messages. After `request_days` from its last activity: every request,
    whatever its status, except that a request behind a hold stays, bare, until staff tap
    Contacted. The staff-chat edits are queued for the outbox; wake it afterwards.
    """
    now = now or datetime.now(UTC)
    short = iso(now - timedelta(days=retention_days))
    long = iso(now - timedelta(days=request_days))
    async with storage.transaction() as tx:
        cursor = await tx.db.execute("DELETE FROM conversations WHERE updated_at < ?", (short,))
        conversations = cursor.rowcount
        ended = await _end_requests(tx, long, request_days, staff_chat)
        handoffs = [
            int(r[0])
            for r in await tx.db.execute_fetchall(
                "SELECT id FROM handoff WHERE created_at < ?", (short,)
            )
        ]
        calls = await redact_staff_messages(
            tx, HANDOFF, handoffs, lambda _: f"Message deleted after {retention_days} days."
        )
        await delete_many(tx, "outbox", "ref", handoffs, "purpose = 'handoff'")
        await delete_many(tx, "handoff", "id", handoffs)
        other = len(handoffs)
        for sql, cutoff in (
            ("DELETE FROM unanswered WHERE created_at < ?", short),
            ("DELETE FROM outbox WHERE sent_at < ? OR gave_up_at < ?", short),
            # Nothing waits longer than a request lives, delivered or not.
            ("DELETE FROM outbox WHERE created_at < ?", long),
            ("DELETE FROM processed_updates WHERE processed_at < ?", _days_before(now)),
        ):
            cursor = await tx.db.execute(sql, (cutoff,) * sql.count("?"))
            other += cursor.rowcount
        # Queued last, so that the deletions above cannot take them away.
        for method, payload, purpose, ref in ended.calls + calls:
            await tx.enqueue(staff_chat, method, payload, purpose, ref)
    # The -wal file still holds the deleted rows until it is checkpointed.
    await storage.checkpoint()
    report = PurgeReport(conversations, ended.deleted, other)
    log.info(
        "event=retention_purge conversations=%s requests=%s kept_bare=%s other=%s",
        report.conversations, report.requests, ended.kept_bare, report.other,
    )  # fmt: skip
    return report


@dataclass(frozen=True)
class _Ended:
    deleted: int
    kept_bare: int
    calls: list[StaffCall]


async def _end_requests(tx: Transaction, before: str, days: int, staff_chat: int) -> _Ended:
    """Delete requests last active before `before`; strip the ones behind a hold instead."""
    rows = await tx.db.execute_fetchall(
        "SELECT r.id, r.redacted_at, h.chat_id IS NOT NULL FROM requests r "
        "LEFT JOIN holds h ON h.request_id = r.id WHERE coalesce(r.active_at, r.created_at) < ?",
        (before,),
    )
    ended = [int(r[0]) for r in rows if not r[2]]
    bare = [int(r[0]) for r in rows if r[2] and r[1] is None]
    why = f"after {days} days"
    calls = await redact_staff_messages(
        tx, REQUEST, ended, lambda n: f"Request #{n}: details deleted {why}."
    )
    for request_id in bare:
        calls += await strip_held_alert(tx, request_id, staff_chat, why)
    await delete_many(tx, "request_actions", "request_id", ended)
    await delete_many(tx, "outbox", "ref", ended, ABOUT_REQUESTS)
    await delete_many(tx, "requests", "id", ended)
    return _Ended(len(ended), len(bare), calls)


def _days_before(now: datetime, days: int = UPDATE_IDS_DAYS) -> str:
    return iso(now - timedelta(days=days))
