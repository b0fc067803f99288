"""Staff actions in-process: the real services and storage, a recording sender."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flows.appointments import slot_of
from flows.events import Client
from tests.bot.services.conftest import STAFF, STAFF_CHAT, Desk, book


async def test_confirm_updates_the_card_and_tells_the_client(desk: Desk) -> None:
    number = await book(desk)
    card = desk.card(number)
    assert "<b>CLEAR</b>" in card.text
    assert [label for label, _ in card.buttons] == [
        "✅ Confirm", "🩺 Needs doctor's note", "✖️ Decline", "📞 Contacted",
    ]  # fmt: skip
    told = len(desk.sender.in_chat(42))
    assert await desk.staff_tap("✅ Confirm", number) == "Choose the appointment's time."
    card = desk.card(number)
    assert "Confirm at which time?" in card.text
    slots = [label for label, data in card.buttons if data.startswith(f"st:{number}:at:")]
    assert len(slots) == 6 and card.buttons[-1][0] == "↩️ Back"
    assert len(desk.sender.in_chat(42)) == told, "nothing is said to the client yet"
    assert await desk.tap_first_slot(number) == f"✅ Confirmed — request #{number}."
    card = desk.card(number)
    assert "✅ Confirmed by Sam (@sam_desk)" in card.text and card.buttons == []
    _, date, _, clock = slots[0].split()  # "Tue 8 Dec 10:00"
    assert f" {date} " in card.text and f"{clock}–" in card.text and "(60 minutes)" in card.text
    told_text = desk.sender.last(42).text
    assert "your appointment is confirmed" in told_text and f"{clock}–" in told_text
    assert f"request #{number}" in told_text


async def test_a_final_request_refuses_a_second_action_and_shows_its_card(desk: Desk) -> None:
    number = await book(desk)
    card = desk.card(number)
    decline = next(data for label, data in card.buttons if label == "✖️ Decline")
    confirm = next(data for label, data in card.buttons if label == "✅ Confirm")
    assert await desk.staff.press(None, STAFF, decline, card.message_id) == (
        f"✖️ Declined — request #{number}."
    )
    await desk.outbox.flush()
    before = len(desk.sender.in_chat(42))
    notice = await desk.staff.press(None, STAFF, confirm, card.message_id)
    await desk.outbox.flush()
    assert notice == f"Request #{number} is already declined."
    assert len(desk.sender.in_chat(42)) == before, "the client is not told twice"
    assert "✖️ Declined by Sam" in desk.card(number).text


async def test_confirming_a_clearance_booking_takes_a_second_tap(desk: Desk) -> None:
    number = await book(desk, {1: ["Blood thinners"]})
    told = len(desk.sender.in_chat(42))
    notice = await desk.staff_tap("✅ Confirm", number)
    assert notice == "Please confirm you have spoken to the client first."
    card = desk.card(number)
    assert "Before confirming" in card.text
    assert [label for label, _ in card.buttons] == [
        "✅ Yes, I've spoken to them — confirm", "↩️ Back",
    ]  # fmt: skip
    assert len(desk.sender.in_chat(42)) == told, "nothing is said to the client yet"
    assert await desk.staff_tap("↩️ Back", number) == f"Request #{number}: nothing changed."
    assert "Before confirming" not in desk.card(number).text
    await desk.staff_tap("✅ Confirm", number)
    await desk.staff_tap("✅ Yes, I've spoken to them — confirm", number)
    assert "Confirm at which time?" in desk.card(number).text
    await desk.tap_first_slot(number)
    assert "client spoken to about the flagged items" in desk.card(number).text
    assert "your appointment is confirmed" in desk.sender.last(42).text


async def test_contacted_on_an_urgent_alert_lifts_the_hold_and_says_nothing(desk: Desk) -> None:
    await desk.say("/book")
    await desk.tap("✅ I agree")
    stop = await desk.tap("Chest pain or sudden breathlessness")
    assert "999" in stop.text
    again = await desk.say("/book")
    assert "needs to speak with you" in again.text
    alert = next(m for m in desk.sender.in_chat(STAFF_CHAT) if "URGENT alert" in m.text)
    number = int(alert.text.split("#")[1].split("<")[0])
    told = len(desk.sender.in_chat(42))
    assert await desk.staff_tap("📞 Contacted", number) == f"📞 Contacted — request #{number}."
    assert len(desk.sender.in_chat(42)) == told, "the client gets no automatic message"
    assert desk.card(number).buttons == []
    assert "Do you agree?" in (await desk.say("/book")).text, "booking is open again"


async def test_a_button_for_a_request_that_is_gone_or_made_up_is_refused(desk: Desk) -> None:
    assert await desk.staff.press(None, STAFF, "st:999:confirm", 1) == (
        "Request #999 no longer exists (the client may have withdrawn it)."
    )
    for data in ("st:1:launch", "st:x:confirm", "zz:1:confirm", ""):
        assert await desk.staff.press(None, STAFF, data, 1) == "That button is no longer valid."


async def test_a_staff_reply_to_a_card_reaches_the_client(desk: Desk) -> None:
    number = await book(desk)
    card = desk.card(number)
    assert await desk.staff.reply(None, card.message_id, "Saturday 10am suits?", STAFF)
    await desk.outbox.flush()
    assert "Saturday 10am suits?" in desk.sender.last(42).text
    assert "Sent to the client by Sam" in desk.sender.last(STAFF_CHAT).text
    assert not await desk.staff.reply(None, 9999, "to nobody", STAFF), "not about a client"


async def test_slots_follow_the_preferred_times_and_a_confirmed_one_is_busy(desk: Desk) -> None:
    first = await book(desk)  # weekday evenings
    desk.client = Client(user_id=43, chat_id=43, first_name="Ann")
    second = await book(desk)  # another client, the same preferences
    zone = desk.staff.content.clinic.time_zone
    await desk.staff_tap("✅ Confirm", first)
    offered = [d for _, d in desk.card(first).buttons if d.startswith(f"st:{first}:at:")]
    starts = [slot_of(int(d.rsplit(":", 1)[1]), zone) for d in offered]
    assert starts == sorted(starts) and len(starts) == 6
    assert all(s.weekday() < 5 and s.hour >= 17 for s in starts), starts
    # Inside the opening hours: a 60-minute session ends by closing time.
    hours = desk.staff.content.desk.hours
    assert hours is not None
    for s in starts:
        day = hours.days[s.weekday()]
        assert day is not None and s.hour * 60 + s.minute + 60 <= day[1]
    await desk.tap_first_slot(first)
    await desk.staff_tap("✅ Confirm", second)
    card = desk.card(second)
    again = [slot_of(int(d.rsplit(":", 1)[1]), zone) for _, d in card.buttons if ":at:" in d]
    assert starts[0] not in again, "the first booking's time is busy now"
    # The first booking's slot, tapped on the second card anyway (an old card): refused.
    taken = offered[0].replace(f"st:{first}:", f"st:{second}:")
    notice = await desk.staff.press(None, STAFF, taken, card.message_id)
    assert notice == "That time has just been taken: please choose another."
    rows = await desk.storage.fetch_all("SELECT request_id FROM appointments")
    assert [r[0] for r in rows] == [first]


async def test_today_and_week_list_the_confirmed_appointments(desk: Desk) -> None:
    number = await book(desk)
    await desk.staff_tap("✅ Confirm", number)
    await desk.tap_first_slot(number)
    (row,) = await desk.storage.fetch_all("SELECT starts_at FROM appointments")
    start = datetime.fromisoformat(row[0])
    zone = desk.staff.content.clinic.time_zone
    local = start.astimezone(zone)

    async def listed(command: str, now: datetime) -> str:
        desk.staff.clock = lambda: now
        await desk.staff.command(None, command, [])
        await desk.outbox.flush()
        return desk.sender.last(STAFF_CHAT).text

    same_morning = datetime.combine(local.date(), time(7, 0), zone)
    today = await listed("today", same_morning)
    assert f"{local:%H:%M}–" in today and f"#{number} Ann" in today and "CLEAR" in today
    assert f"{local:%A} {local.day} {local:%B}" in today
    day_before = same_morning - timedelta(days=1)
    assert await listed("today", day_before) == "No confirmed appointments today."
    assert f"#{number} Ann" in await listed("week", day_before)
    assert await listed("week", same_morning + timedelta(days=1)) == (
        "No confirmed appointments in the next 7 days."
    )


async def test_other_time_reads_the_time_staff_type_in_reply_to_the_card(desk: Desk) -> None:
    number = await book(desk)
    zone = desk.staff.content.clinic.time_zone
    # A Monday morning: the clinic opens 09:00-20:00 on Tuesdays, closed on Sundays.
    desk.staff.clock = lambda: datetime(2026, 12, 7, 8, 0, tzinfo=zone)
    await desk.staff_tap("✅ Confirm", number)
    assert await desk.staff_tap("✏️ Other time", number) == (
        "Reply to the card with the date and time."
    )
    card = desk.card(number)
    assert "Reply to this message with the date and time" in card.text
    told = len(desk.sender.in_chat(42))

    async def reply(text: str) -> str:
        assert await desk.staff.reply(None, card.message_id, text, STAFF)
        await desk.outbox.flush()
        return desk.sender.last(STAFF_CHAT).text

    assert "couldn't read that" in await reply("whenever suits")
    assert "no such date" in await reply("31/2 10am")
    # Outside the hours: said, with Confirm anyway; nothing stored or told yet.
    await reply("Tue 21:30")
    warned = desk.card(number)
    assert "Tuesday 8 December, 21:30–22:30" in warned.text
    assert "outside the opening hours" in warned.text
    assert [label for label, _ in warned.buttons] == ["✅ Confirm anyway: Tue 8 Dec 21:30",
                                                      "↩️ Back"]  # fmt: skip
    assert await desk.storage.fetch_all("SELECT * FROM appointments") == []
    assert len(desk.sender.in_chat(42)) == told, "the client is told nothing yet"
    # A time that fits is confirmed at once, on the card; the client hears the time.
    await reply("tue 2.30pm")
    card = desk.card(number)
    assert "🗓 <b>Tuesday 8 December, 14:30–15:30</b>" in card.text and card.buttons == []
    assert "Tuesday 8 December, 14:30–15:30" in desk.sender.last(42).text
    # The card no longer waits: a reply to it goes to the client, as replies always do.
    await desk.staff.reply(None, card.message_id, "See you then!", STAFF)
    await desk.outbox.flush()
    assert "See you then!" in desk.sender.last(42).text


async def test_a_typed_time_over_another_appointment_can_be_confirmed_anyway(desk: Desk) -> None:
    zone = desk.staff.content.clinic.time_zone
    desk.staff.clock = lambda: datetime(2026, 12, 7, 8, 0, tzinfo=zone)
    first = await book(desk)
    desk.client = Client(user_id=43, chat_id=43, first_name="Ann")
    second = await book(desk)
    for number in (first, second):
        await desk.staff_tap("✅ Confirm", number)
        await desk.staff_tap("✏️ Other time", number)
        await desk.staff.reply(None, desk.card(number).message_id, "8/12 17:00", STAFF)
        await desk.outbox.flush()
    warned = desk.card(second)
    assert "overlaps another confirmed appointment" in warned.text
    assert await desk.staff_tap("✅ Confirm anyway: Tue 8 Dec 17:00", second) == (
        f"✅ Confirmed — request #{second}."
    )
    rows = await desk.storage.fetch_all("SELECT request_id, minutes FROM appointments")
    assert sorted(r[0] for r in rows) == [first, second]


async def test_forget_deletes_the_appointment_time_with_the_request(desk: Desk) -> None:
    number = await book(desk)
    await desk.staff_tap("✅ Confirm", number)
    await desk.tap_first_slot(number)
    assert len(await desk.storage.fetch_all("SELECT * FROM appointments")) == 1
    await desk.say("/forget")
    await desk.tap("🗑 Yes, delete everything")
    assert await desk.storage.fetch_all("SELECT * FROM appointments") == []
    assert await desk.storage.fetch_all("SELECT * FROM time_asks") == []


async def test_the_session_chosen_sets_the_length_of_the_slots_and_the_confirmation(
    desk: Desk,
) -> None:
    number = await book(desk, session="90-minute massage · £90")
    card = desk.card(number)
    assert "Session: 90-minute massage (90 minutes)" in card.text
    await desk.staff_tap("✅ Confirm", number)
    card = desk.card(number)
    assert "Confirm at which time?</b> (90 minutes)" in card.text
    zone = desk.staff.content.clinic.time_zone
    hours = desk.staff.content.desk.hours
    assert hours is not None
    for _, data in card.buttons:
        if ":at:" in data:
            start = slot_of(int(data.rsplit(":", 1)[1]), zone)
            day = hours.days[start.weekday()]
            assert day is not None and start.hour * 60 + start.minute + 90 <= day[1]
    await desk.tap_first_slot(number)
    told = desk.sender.last(42).text
    assert "confirmed: 90-minute massage," in told and "(90 minutes)" in told
    rows = await desk.storage.fetch_all("SELECT minutes, ends_at, starts_at FROM appointments")
    assert rows[0][0] == 90
    await desk.staff.command(None, "week", [])
    await desk.outbox.flush()
    assert "90-minute massage · 90 min" in desk.sender.last(STAFF_CHAT).text


async def test_not_sure_books_the_usual_length_and_says_so_on_the_card(desk: Desk) -> None:
    number = await book(desk, session="🤔 Not sure yet")
    assert "Session: not sure yet" in desk.card(number).text
    await desk.staff_tap("✅ Confirm", number)
    assert "(60 minutes)" in desk.card(number).text
