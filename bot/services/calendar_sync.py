"""Appointments reach the clinic's calendar even if it is down when staff confirm them.

A confirmed, moved or cancelled appointment's write is queued in the same transaction as
the change itself (`queue_put`, `queue_remove`: a row of `calendar_writes`, one per
request, a later write replacing an earlier one still waiting). The worker (`run`)
pushes the due writes to the calendar and deletes each row once the calendar has it;
while the calendar is unavailable a write waits longer each time (doubling, up to an
hour). The busy times for the free slots come from the calendar when it answers, else
None, and the caller falls back to the bot's own appointments (and says so).

Logged lines name the request number and the kind of error, never a client's details.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.config.clinic import Clinic
from bot.services.calendar import CalendarUnavailable, ClinicCalendar
from bot.services.clock import utc_now
from bot.services.ics import appointment_uid
from bot.store.calendar_writes import CalendarAction, CalendarWrite
from bot.store.database import Storage, Transaction

log = logging.getLogger(__name__)


class CalendarSync:
    """The clinic's calendar as the services use it: queued writes and busy times."""

    def __init__(
        self,
        storage: Storage,
        calendar: ClinicCalendar,
        clinic: Clinic,
        *,
        clock: Callable[[], datetime] = utc_now,
        first_wait: timedelta = timedelta(seconds=30),
        longest_wait: timedelta = timedelta(hours=1),
    ) -> None:
        self.storage = storage
        self.calendar = calendar
        self.clinic = clinic
        self.clock = clock
        self.first_wait = first_wait  # after a failed try; doubles with each one after
        self.longest_wait = longest_wait
        self.available: bool | None = None  # how the last call to the calendar went
        self.rounds = 0  # completed runs of the worker's loop (tests wait for them)
        self._wake = asyncio.Event()

    def uid(self, request_id: int) -> str:
        """Return the UID of a request's event (the same as in the client's .ics file)."""
        return appointment_uid(request_id, self.clinic)

    async def queue_put(
        self,
        tx: Transaction,
        request_id: int,
        start: datetime,
        end: datetime,
        summary: str,
        description: str,
    ) -> None:
        """Queue a confirmed or moved appointment's event, in the caller's transaction.

        The summary and description are staff's view: request number, service and
        length, the client's name; no phone number, no health answers. Call `wake()`
        once the transaction is committed to push it at once.
        """
        await tx.calendar_writes.put(
            request_id, self.uid(request_id), start, end, summary, description, self.clock()
        )

    async def queue_remove(self, tx: Transaction, request_id: int) -> None:
        """Queue the removal of a cancelled appointment's event, in the caller's transaction."""
        await tx.calendar_writes.remove(request_id, self.uid(request_id), self.clock())

    def wake(self) -> None:
        """Ask the worker to push the due writes now."""
        self._wake.set()

    async def busy(
        self, start: datetime, end: datetime, ignore_request_id: int | None = None
    ) -> list[tuple[datetime, datetime]] | None:
        """Return the calendar's busy times in a period (aware UTC), or None if unavailable.

        `ignore_request_id`: the appointment being moved does not block its own new time.
        """
        ignore = None if ignore_request_id is None else self.uid(ignore_request_id)
        try:
            busy = await self.calendar.busy(start, end, ignore_uid=ignore)
        except CalendarUnavailable as exc:
            self._went(False, exc)
            return None
        self._went(True)
        return busy

    async def push_due(self) -> int:
        """Push every due write, oldest first; stop at the first that fails.

        Return how many the calendar took.
        """
        pushed = 0
        while True:
            writes = await self.storage.calendar_writes.due(self.clock())
            for write in writes:
                if not await self._push(write):
                    return pushed
                pushed += 1
            if not writes:
                return pushed

    async def run(self, interval: float = 30.0) -> None:
        """Push the due writes whenever woken, and at least every `interval` seconds."""
        while True:
            try:
                await self.push_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event=calendar_sync_failed")
            self.rounds += 1
            # The pause first: a wait() made before it would never be awaited if the worker
            # is cancelled while the pause is read.
            pause = await self._pause(interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), pause)
            self._wake.clear()

    async def _pause(self, interval: float) -> float:
        """Wait until the next write is due, if sooner than the interval."""
        due = await self.storage.calendar_writes.next_due()
        if due is None:
            return interval
        return min(interval, max(0.0, (due - self.clock()).total_seconds()))

    async def _push(self, write: CalendarWrite) -> bool:
        try:
            if write.action is CalendarAction.PUT:
                assert write.start is not None and write.end is not None
                await self.calendar.put(
                    write.uid, write.start, write.end, write.summary, write.description
                )
            else:
                await self.calendar.remove(write.uid)
        except CalendarUnavailable as exc:
            wait = min(self.longest_wait, self.first_wait * 2**write.tries)
            await self.storage.calendar_writes.later(write, self.clock() + wait)
            self._went(False, exc)
            log.warning(
                "event=calendar_write_waits request=%s action=%s tries=%s retry_in=%ds",
                write.request_id,
                write.action.value,
                write.tries + 1,
                wait.total_seconds(),
            )
            return False
        self._went(True)
        if await self.storage.calendar_writes.done(write):
            log.info(
                "event=calendar_written request=%s action=%s tries=%s",
                write.request_id,
                write.action.value,
                write.tries + 1,
            )
        return True

    def _went(self, available: bool, exc: CalendarUnavailable | None = None) -> None:
        if available and self.available is False:
            log.info("event=calendar_available")
        elif not available and self.available is not False:
            log.warning("event=calendar_unavailable reason=%s", exc)
        self.available = available
