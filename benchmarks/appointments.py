"""Time the appointment work: the free slots offered on a card, a typed time read and
checked, and a round of reminders queued, with a busy diary.

Run: python benchmarks/appointments.py [BUSY]   (BUSY confirmed appointments, default 200)
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config.clinic import DEFAULT_CLINIC_FILE
from bot.config.content import load_content
from bot.services.reminders import Reminders
from bot.store.database import Storage
from flows.appointments import CHOICE_TAGS, offer
from flows.events import Client, SubmitRequest
from flows.screening import Level
from flows.slots import check_time
from flows.staff import Status
from flows.state import RequestKind
from flows.when import read_when

TYPED = ["Tue 14:30", "8/12 10am", "tomorrow 9:30", "9th December 2pm", "friday 4pm"]


def timed(work: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Return the p50 and p99 of `work` in milliseconds."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


async def reminders_round(busy: int) -> tuple[float, int]:
    """Queue the reminders of `busy` appointments due in the next day; return ms and count."""
    content = load_content(DEFAULT_CLINIC_FILE)
    with tempfile.TemporaryDirectory() as folder:
        storage = await Storage.open(Path(folder) / "bench.sqlite3")
        now = datetime.now(UTC)
        try:
            async with storage.transaction() as tx:
                for i in range(busy):
                    client = Client(1000 + i, 1000 + i, "A", None)
                    asked = SubmitRequest(RequestKind.BOOKING, Level.CLEAR, (), "A",
                                          "+447700900123", "any", "", None, "", 60)  # fmt: skip
                    number = await tx.requests.add(client, asked)
                    await tx.requests.record_action(number, "confirm", Status.CONFIRMED, "bench")
                    start = now + timedelta(hours=1 + 23 * i / busy)
                    await tx.appointments.add(number, start, 60, "bench")
            started = time.perf_counter()
            queued = await Reminders(content, storage, clock=lambda: now).queue_due()
            return (time.perf_counter() - started) * 1000, queued
        finally:
            await storage.close()


def main() -> None:
    busy_count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    content = load_content(DEFAULT_CLINIC_FILE)
    hours = content.desk.hours
    assert hours is not None
    now = datetime(2026, 10, 19, 8, 0, tzinfo=UTC)  # the week the clocks go back
    busy = [
        (now + timedelta(minutes=90 * i), now + timedelta(minutes=90 * i + 60))
        for i in range(busy_count)
    ]
    prefer = [CHOICE_TAGS["weekday_evening"], CHOICE_TAGS["saturday"]]
    p50, p99 = timed(lambda: offer(hours, 60, now, busy, prefer), 200)
    print(f"free slots offered ({busy_count} busy): p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    zone = content.clinic.time_zone

    def read_and_check() -> None:
        for text in TYPED:
            at = read_when(text, now, zone)
            moment = getattr(at, "moment", None)
            if moment is not None:
                check_time(hours, moment, 60, busy)

    p50, p99 = timed(read_and_check, 200)
    print(f"typed time read and checked (per time): p50 {p50 / len(TYPED):.3f} ms, "
          f"p99 {p99 / len(TYPED):.3f} ms")  # fmt: skip
    ms, queued = asyncio.run(reminders_round(busy_count))
    print(f"reminders: {queued} queued in one round in {ms:.0f} ms")


if __name__ == "__main__":
    main()
