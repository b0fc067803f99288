"""The client's confirmed appointment: the confirmation's file and buttons, cancel, move."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar

from bot.store.appointments import AppointmentRow
from flows.events import Press
from tests.bot.services.conftest import STAFF, STAFF_CHAT, Desk, book


async def confirmed(desk: Desk, days: int = 4) -> int:
    """Book and confirm an appointment at 11:00 about `days` days ahead (never a Sunday)."""
    number = await book(desk)
    zone = desk.staff.content.clinic.time_zone
    day = (datetime.now(zone) + timedelta(days=days)).date()
    if day.weekday() == 6:
        day += timedelta(days=1)
    await desk.staff_tap("✅ Confirm", number)
    await desk.staff_tap("✏️ Other time", number)
    card = desk.card(number)
    assert await desk.staff.reply(None, card.message_id, f"{day.day}/{day.month} 11:00", STAFF)
    await desk.outbox.flush()
    assert "🗓" in desk.card(number).text, desk.card(number).text
    return number


async def booked(desk: Desk, number: int) -> AppointmentRow | None:
    async with desk.storage.reading() as tables:
        return await tables.appointments.of(number)


async def start_of(desk: Desk, number: int) -> datetime:
    appointment = await booked(desk, number)
    assert appointment is not None
    return appointment.start


async def test_the_confirmation_brings_a_calendar_file_and_its_buttons(desk: Desk) -> None:
    number = await confirmed(desk)
    start = await start_of(desk, number)
    chat = desk.sender.in_chat(42)
    document, confirmation = chat[-2], chat[-1]
    assert document.text == f"📎 appointment-{number}.ics"
    (event,) = Calendar.from_ical(document.file).walk("VEVENT")
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=60)
    assert "12 Example Street" in str(event["LOCATION"])
    assert "Ann" not in document.file.decode() and "07700" not in document.file.decode()
    assert "your appointment is confirmed" in confirmation.text
    assert [label for label, _ in confirmation.buttons] == ["❌ Can't make it", "🔁 Reschedule"]


async def test_cancelling_well_ahead_frees_the_time_and_tells_staff(desk: Desk) -> None:
    number = await confirmed(desk)
    start = await start_of(desk, number)
    desk.clients.clock = lambda: start - timedelta(days=3)
    asked = await desk.tap("❌ Can't make it")
    assert "Cancel your appointment on" in asked.text
    assert "cancellation policy" not in asked.text, "outside the window: no policy"
    file = await desk.tap("Yes, cancel it")
    assert any("is cancelled" in m.text for m in desk.sender.in_chat(42)), "said, in place"
    assert file.text.startswith("📎")
    (event,) = Calendar.from_ical(file.file).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    assert Calendar.from_ical(file.file)["METHOD"] == "CANCEL", "it leaves their calendar"
    assert await booked(desk, number) is None, "the time is free again"
    card = desk.card(number)
    assert "❌ Appointment cancelled by the client" in card.text and card.buttons == []
    notice = desk.sender.last(STAFF_CHAT).text
    assert f"The client cancelled the appointment of request #{number}." in notice
    assert "late" not in notice
    await desk.send(Press(f"ap:cxy:{number}"))  # the same tap again, from an old message
    assert "no appointment coming up" in desk.sender.last(42).text, "it changes nothing"


async def test_cancelling_inside_the_window_shows_the_policy_first(desk: Desk) -> None:
    number = await confirmed(desk)
    start = await start_of(desk, number)
    desk.clients.clock = lambda: start - timedelta(hours=3)
    asked = await desk.tap("❌ Can't make it")
    assert "less than 24 hours away" in asked.text and "charged at 50%" in asked.text
    assert await booked(desk, number) is not None, "not final yet"
    kept = await desk.tap("No, keep it")
    assert "stays as it is" in kept.text
    assert await booked(desk, number) is not None
    await desk.tap("❌ Can't make it")
    await desk.tap("Yes, cancel it")
    assert "late: inside the cancellation window" in desk.sender.last(STAFF_CHAT).text


async def test_reschedule_reopens_the_request_with_the_new_times(desk: Desk) -> None:
    number = await confirmed(desk)
    start = await start_of(desk, number)
    desk.clients.clock = lambda: start - timedelta(days=2)
    asked = await desk.tap("🔁 Reschedule")
    assert "When would suit you?" in asked.text, "outside the window: straight to the times"
    assert await booked(desk, number) is not None, "booked until sent"
    await desk.tap("Saturdays")
    moved = await desk.tap("Done ➡️")
    assert f"move request #{number} to: Saturdays" in moved.text
    assert await booked(desk, number) is None
    card = desk.card(number)
    assert "Preferred times: Saturdays" in card.text
    assert "✅ Confirm" in [label for label, _ in card.buttons], "staff confirm it again"
    notice = desk.sender.last(STAFF_CHAT).text
    assert "asked to move" in notice and "New preferred times: Saturdays" in notice
    await desk.staff_tap("✅ Confirm", number)
    await desk.tap_first_slot(number)
    new_start = await start_of(desk, number)
    assert new_start.astimezone(desk.staff.content.clinic.time_zone).weekday() == 5
    document = desk.sender.in_chat(42)[-2]
    (event,) = Calendar.from_ical(document.file).walk("VEVENT")
    assert int(event["SEQUENCE"]) == 1, "the client's calendar replaces the event"


async def test_leaving_a_reschedule_keeps_the_appointment(desk: Desk) -> None:
    number = await confirmed(desk)
    start = await start_of(desk, number)
    desk.clients.clock = lambda: start - timedelta(days=2)
    await desk.tap("🔁 Reschedule")
    left = await desk.say("cancel")
    assert "stays as it is" in left.text
    assert await booked(desk, number) is not None


async def test_status_lists_the_appointment_with_cancel_and_move(desk: Desk) -> None:
    number = await confirmed(desk)
    status = await desk.say("/status")
    assert f"#{number} 🗓" in status.text and "confirmed" in status.text
    labels = [label for label, _ in status.buttons]
    assert f"❌ Cancel #{number}" in labels and f"🔁 Move #{number}" in labels


async def test_an_appointment_that_has_started_is_no_longer_the_clients_to_cancel(
    desk: Desk,
) -> None:
    number = await confirmed(desk)
    start = await start_of(desk, number)
    desk.clients.clock = lambda: start + timedelta(minutes=1)
    await desk.send(Press(f"ap:cxy:{number}"))  # "Yes, cancel it" on the old message
    assert "no appointment coming up" in desk.sender.last(42).text
    assert await booked(desk, number) is not None, "kept: it has started"
    desk.clients.clock = lambda: start - timedelta(minutes=1)
    await desk.send(Press(f"ap:cxy:{number}"))
    assert any("is cancelled" in m.text for m in desk.sender.in_chat(42))
    assert await booked(desk, number) is None
