"""Reminders before appointments, with an injected clock: once, on time or late, never
after the start, never for a cancelled appointment."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.services.reminders import Reminders
from bot.store.outbox import Purpose
from flows.events import Press
from tests.bot.services.conftest import Desk
from tests.bot.services.test_my_appointments import confirmed, start_of


def reminders_at(desk: Desk, when: datetime) -> Reminders:
    return Reminders(desk.staff.content, desk.storage, clock=lambda: when)


async def reminders_sent(desk: Desk) -> list[str]:
    return [m.text for m in desk.sender.in_chat(42) if m.text.startswith("⏰")]


async def test_a_reminder_goes_once_a_day_ahead_with_its_buttons(desk: Desk) -> None:
    number = await confirmed(desk)
    start = await start_of(desk, number)
    assert await reminders_at(desk, start - timedelta(hours=25)).queue_due() == 0, "not yet"
    assert await reminders_at(desk, start - timedelta(hours=24)).queue_due() == 1
    assert await reminders_at(desk, start - timedelta(hours=23)).queue_due() == 0, "once"
    await desk.outbox.flush()
    (reminder,) = await reminders_sent(desk)
    assert f"request #{number}" in reminder and "12 Example Street" in reminder
    labels = [label for label, _ in desk.sender.last(42).buttons]
    assert labels == ["✅ I'll be there", "❌ Cancel", "🔁 Reschedule"]
    desk.clients.clock = lambda: start - timedelta(hours=23)
    coming = await desk.tap("✅ I'll be there")
    assert "see you" in coming.text


async def test_a_reminder_missed_while_down_goes_late_but_not_after_the_start(
    desk: Desk,
) -> None:
    number = await confirmed(desk)
    start = await start_of(desk, number)
    # The bot was down when it was due: an hour before the start it still goes.
    assert await reminders_at(desk, start - timedelta(hours=1)).queue_due() == 1
    desk.client = replace(desk.client, chat_id=43, user_id=43)
    other = await confirmed(desk, days=6)
    later = await start_of(desk, other)
    assert await reminders_at(desk, later + timedelta(minutes=1)).queue_due() == 0, "started"


async def test_an_unsent_reminder_is_dropped_once_the_appointment_has_started(
    desk: Desk,
) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    async with desk.storage.transaction() as tx:
        await tx.outbox.enqueue(
            42, "sendMessage", {"chat_id": 42, "text": "⏰ too late"}, Purpose.REMINDER, 1,
            expires_at=past,
        )  # fmt: skip
    await desk.outbox.flush()
    assert await reminders_sent(desk) == []
    rows = await desk.storage.fetch_all("SELECT gave_up_at IS NOT NULL FROM outbox")
    assert rows == [(1,)], "settled, not left waiting"


async def test_no_reminder_for_a_cancelled_appointment(desk: Desk) -> None:
    number = await confirmed(desk)
    start = await start_of(desk, number)
    # Queued but not yet sent when the client cancels: it never goes.
    assert await reminders_at(desk, start - timedelta(hours=24)).queue_due() == 1
    desk.clients.clock = lambda: start - timedelta(hours=30)
    await desk.clients.handle(None, desk.client, Press(f"ap:cxy:{number}"))
    await desk.outbox.flush()
    assert await reminders_sent(desk) == []
    assert await reminders_at(desk, start - timedelta(hours=2)).queue_due() == 0


async def test_an_appointment_confirmed_inside_the_window_gets_no_reminder(desk: Desk) -> None:
    number = await confirmed(desk)
    start = await start_of(desk, number)
    async with desk.storage.transaction() as tx:
        await tx.appointments.remove(number)
    desk.staff.clock = lambda: start - timedelta(hours=5)
    async with desk.storage.transaction() as tx:
        await tx.appointments.add(number, start, 60, "Sam", remind=False)
    assert await reminders_at(desk, start - timedelta(hours=4)).queue_due() == 0
