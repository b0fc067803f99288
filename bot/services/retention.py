"""The retention job: delete what the clinic keeps once its time is up (run daily)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.services.api_calls import StaffCall
from bot.services.calendar_sync import CalendarSync
from bot.services.privacy import redact_staff_messages, remove_events, strip_held_alert
from bot.store.database import Storage, Transaction
from bot.store.outbox import ABOUT_REQUESTS, Purpose
from bot.store.staff_messages import About

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
    calendar: CalendarSync | None = None,
) -> PurgeReport:
    """Delete what has outlived its retention period, and redact its staff-chat messages.

    After `retention_days`: unfinished conversations (where the answers of an unfinished
    check live), messages between clients and staff, unanswered and ignored questions and
    the outbox's record of settled messages. After `request_days` from its last activity:
    every request, whatever its status, except that a request behind a hold stays, bare,
    until staff tap Contacted. The staff-chat edits are queued for the outbox; wake it afterwards.
    With the clinic's calendar, the deleted requests' events are removed from it too.
    """
    now = now or datetime.now(UTC)
    short = now - timedelta(days=retention_days)
    long = now - timedelta(days=request_days)
    async with storage.transaction() as tx:
        conversations = await tx.chats.forget_idle(short)
        ended = await _end_requests(tx, long, request_days, staff_chat, calendar)
        handoffs = await tx.handoffs.older_than(short)
        calls = await redact_staff_messages(
            tx, About.HANDOFF, handoffs, lambda _: f"Message deleted after {retention_days} days."
        )
        await tx.outbox.forget_about((Purpose.HANDOFF,), handoffs)
        await tx.handoffs.delete(handoffs)
        other = len(handoffs)
        other += await tx.unanswered.forget_older(short)
        other += await tx.learned.forget_ignored_older(short)
        other += await tx.outbox.forget_settled(short)
        # Nothing waits longer than a request lives, delivered or not.
        other += await tx.outbox.forget_queued_before(long)
        other += await tx.chats.forget_updates(now - timedelta(days=UPDATE_IDS_DAYS))
        # Queued last, so that the deletions above cannot take them away.
        for call in ended.calls + calls:
            await tx.outbox.enqueue(staff_chat, call.method, call.payload, call.purpose, call.ref)
    if calendar is not None:
        calendar.wake()  # the removals, now
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


async def _end_requests(
    tx: Transaction, before: datetime, days: int, staff_chat: int, calendar: CalendarSync | None
) -> _Ended:
    """Delete requests last active before `before`; strip the ones behind a hold instead."""
    ending = await tx.requests.ending(before)
    ended = [r.id for r in ending if not r.held]
    bare = [r.id for r in ending if r.held and not r.stripped]
    why = f"after {days} days"
    calls = await redact_staff_messages(
        tx, About.REQUEST, ended, lambda n: f"Request #{n}: details deleted {why}."
    )
    for request_id in bare:
        calls += await strip_held_alert(tx, request_id, staff_chat, why)
    await tx.outbox.forget_about(ABOUT_REQUESTS, ended)
    await remove_events(tx, calendar, ended)
    await tx.requests.delete(ended)
    return _Ended(len(ended), len(bare), calls)
