"""CalendarSync: writes queued with the change reach the calendar, even after an outage."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config.clinic import CalendarSettings, load_clinic
from bot.services.calendar import ClinicCalendar
from bot.services.calendar_sync import CalendarSync
from bot.store.calendar_writes import CalendarAction
from bot.store.database import Storage
from tests.bot.calendar.conftest import PASSWORD, Radicale

CLINIC = load_clinic()
TUE = datetime(2026, 12, 8, tzinfo=UTC)
WEEK = (TUE - timedelta(days=1), TUE + timedelta(days=6))


class Clock:
    """The services' clock, moved by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = await Storage.open(tmp_path / "bot.db")
    yield storage
    await storage.close()


def at(hour: int, minute: int = 0) -> datetime:
    return TUE.replace(hour=hour, minute=minute)


def sync_for(storage: Storage, settings: CalendarSettings, clock: Clock) -> CalendarSync:
    calendar = ClinicCalendar(settings, PASSWORD, CLINIC.time_zone, timeout=5)
    return CalendarSync(storage, calendar, CLINIC, clock=clock)


async def test_queued_writes_reach_the_calendar_and_a_later_one_replaces_an_earlier(
    storage: Storage, settings: CalendarSettings
) -> None:
    sync = sync_for(storage, settings, Clock())
    async with storage.transaction() as tx:
        await sync.queue_put(tx, 3, at(10), at(11), "#3 Massage 60 min: Ann", "Request #3")
        await sync.queue_put(tx, 3, at(12), at(13), "#3 Massage 60 min: Ann", "Request #3")
        await sync.queue_put(tx, 4, at(15), at(16), "#4 Massage 60 min: Bo", "Request #4")
    assert await storage.calendar_writes.count() == 2  # one per request
    assert await sync.push_due() == 2
    assert await storage.calendar_writes.count() == 0
    assert await sync.busy(*WEEK) == [(at(12), at(13)), (at(15), at(16))]
    assert await sync.busy(*WEEK, ignore_request_id=3) == [(at(15), at(16))]

    async with storage.transaction() as tx:
        await sync.queue_remove(tx, 4)
    assert await sync.push_due() == 1
    assert await sync.busy(*WEEK) == [(at(12), at(13))]
    assert sync.uid(3) == "request-3@knot-free-clinic-demo"


async def test_a_write_made_while_the_calendar_is_down_is_pushed_once_it_is_back(
    radicale: Radicale,
    storage: Storage,
    settings: CalendarSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "bot.services.calendar_sync")
    clock = Clock()
    sync = sync_for(storage, settings, clock)
    radicale.stop()
    try:
        async with storage.transaction() as tx:
            await sync.queue_put(tx, 5, at(10), at(11), "#5 Massage 30 min: Cy", "Request #5")
        assert await sync.push_due() == 0
        assert await sync.busy(*WEEK) is None  # the caller uses its own appointments
        assert sync.available is False
        waiting = await storage.calendar_writes.of(5)
        assert waiting is not None and waiting.tries == 1
        assert waiting.next_try == clock.now + timedelta(seconds=30)
        assert await sync.push_due() == 0  # not due again yet: nothing tried
        clock.now += timedelta(seconds=30)
        assert await sync.push_due() == 0  # tried again, still down: waits twice as long
        waiting = await storage.calendar_writes.of(5)
        assert waiting is not None and waiting.tries == 2
        assert waiting.next_try == clock.now + timedelta(seconds=60)
    finally:
        radicale.start()
    clock.now += timedelta(seconds=60)
    assert await sync.push_due() == 1
    assert sync.available is True
    assert await storage.calendar_writes.count() == 0
    assert await sync.busy(*WEEK) == [(at(10), at(11))]
    logged = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("event=calendar_unavailable reason=cannot reach") for m in logged)
    assert "event=calendar_write_waits request=5 action=put tries=2 retry_in=60s" in logged
    assert "event=calendar_written request=5 action=put tries=3" in logged
    assert "Cy" not in caplog.text and "Massage" not in caplog.text


async def test_the_worker_pushes_a_write_when_woken(
    storage: Storage, settings: CalendarSettings
) -> None:
    sync = sync_for(storage, settings, Clock())
    worker = asyncio.create_task(sync.run(interval=30))
    try:
        async with storage.transaction() as tx:
            await sync.queue_put(tx, 6, at(9), at(10), "#6", "Request #6")
        sync.wake()
        for _ in range(500):  # up to 5 s
            if not await storage.calendar_writes.count():
                break
            await asyncio.sleep(0.01)
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    assert await storage.calendar_writes.count() == 0
    assert await sync.busy(*WEEK) == [(at(9), at(10))]


async def test_a_write_replaced_while_it_was_being_pushed_is_not_lost(
    storage: Storage, settings: CalendarSettings
) -> None:
    sync = sync_for(storage, settings, Clock())
    async with storage.transaction() as tx:
        await sync.queue_put(tx, 7, at(10), at(11), "#7", "")
    first = await storage.calendar_writes.of(7)
    async with storage.transaction() as tx:
        await sync.queue_put(tx, 7, at(14), at(15), "#7", "")
    assert first is not None
    assert not await storage.calendar_writes.done(first)  # the old version: the new stays
    assert await sync.push_due() == 1
    assert await sync.busy(*WEEK) == [(at(14), at(15))]


async def test_a_deleted_requests_pending_write_becomes_a_bare_removal(
    storage: Storage, settings: CalendarSettings
) -> None:
    sync = sync_for(storage, settings, Clock())
    async with storage.transaction() as tx:
        await sync.queue_put(tx, 8, at(10), at(11), "#8 Massage: Dee", "Request #8")
    assert await sync.push_due() == 1
    async with storage.transaction() as tx:
        await sync.queue_put(tx, 8, at(12), at(13), "#8 Massage: Dee", "Request #8")
        await tx.requests.delete([8])  # /forget or the retention job
    write = await storage.calendar_writes.of(8)
    assert write is not None
    assert (write.action, write.uid) == (CalendarAction.REMOVE, sync.uid(8))
    assert (write.start, write.end, write.summary, write.description) == (None, None, "", "")
    assert await sync.push_due() == 1
    assert await sync.busy(*WEEK) == []
