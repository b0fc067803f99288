"""Booking through Telegram: each health-check path, staff notifications and staff actions."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.bot.conftest import STAFF_CHAT, STAFF_USER, Running
from tests.bot.driver import Person, book, confirm_first_slot, staff


def client(running: Running, user_id: int = 42, name: str = "Ann") -> Person:
    return Person(running.api, user_id, name, username=f"{name.lower()}_tg")


async def test_clear_path_reaches_staff_with_level_and_contact_details(running: Running) -> None:
    ann = client(running)
    done = await book(ann)
    number = re.search(r"request #(\d+)", done.text)
    assert number, done.text
    note = await running.api.wait_for_text(STAFF_CHAT, f"Appointment request #{number[1]}")
    assert note.parse_mode == "HTML"
    assert "<b>CLEAR</b>" in note.text
    for detail in ("Ann", "07700 900123", "@ann_tg", "tg://user?id=42", "Weekday evenings",
                   "Neck and shoulders"):  # fmt: skip
        assert detail in note.text
    assert note.labels() == ["✅ Confirm", "🩺 Needs doctor's note", "✖️ Decline", "📞 Contacted"]


async def test_caution_and_clearance_flags_are_highlighted_for_staff(running: Running) -> None:
    ann = client(running)
    done = await book(ann, {1: ["Blood thinners"], 3: ["Varicose veins"]})
    assert "before anything is confirmed" in done.text
    note = await running.api.wait_for_text(STAFF_CHAT, "Appointment request")
    assert "<b>CLEARANCE</b>" in note.text
    assert "<b>Blood thinners</b>" in note.text and "<b>Varicose veins</b>" in note.text


async def test_caution_only_is_marked_caution(running: Running) -> None:
    await book(client(running), {3: ["Pregnant or recently gave birth"]})
    note = await running.api.wait_for_text(STAFF_CHAT, "Appointment request")
    assert "<b>CAUTION</b>" in note.text and "Pregnant or recently gave birth" in note.text


async def test_urgent_answer_stops_and_alerts_staff_with_the_label_only(running: Running) -> None:
    ann = client(running)
    await ann.say("/book", "Do you agree?")
    await ann.tap("✅ I agree", "Health check (1 of 4)")
    stop = await ann.tap("Chest pain or sudden breathlessness", "call 999 now")
    assert stop.labels() == []
    alert = await running.api.wait_for_text(STAFF_CHAT, "URGENT alert")
    assert "Chest pain or sudden breathlessness" in alert.text
    assert "chest pain or tightness" not in alert.text, "the label, not the question"
    again = await ann.say("/book", "needs to speak with you")
    assert "Do you agree" not in again.text


async def test_refusing_consent_sends_a_call_back_request_without_health_data(
    running: Running,
) -> None:
    ann = client(running)
    await ann.say("/book", "Do you agree?")
    await ann.tap("📞 No — please call me instead", "What name should they ask for?")
    await ann.say("Ann Smith", "best phone number")
    await ann.share_phone("+44 7700 900123", "No health information was shared")
    note = await running.api.wait_for_text(STAFF_CHAT, "Call-back request")
    assert "CALL-BACK" in note.text and "07700 900123" in note.text
    assert "Preferred times" not in note.text and "🟠" not in note.text
    rows = await running.storage.fetch_all("SELECT flags, level, consent_at FROM requests")
    assert [tuple(r) for r in rows] == [("[]", "NONE", None)]


@pytest.mark.parametrize(
    ("button", "client_hears", "staff_sees"),
    [
        ("✅ Confirm", "your appointment is confirmed", "✅ Confirmed by Sam"),
        (
            "🩺 Needs doctor's note",
            "a short note from your doctor",
            "Doctor's note asked for by Sam",
        ),
        ("✖️ Decline", "we can't offer this appointment", "✖️ Declined by Sam"),
        ("📞 Contacted", "they've been in touch", "📞 Contacted by Sam"),
    ],
)
async def test_each_staff_action_reaches_the_client_and_marks_the_staff_message(
    running: Running, button: str, client_hears: str, staff_sees: str
) -> None:
    ann = client(running)
    await book(ann)
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    sam = staff(running.api)
    if button == "✅ Confirm":  # then the time, from the free ones offered
        await sam.tap(button, "Confirm at which time?")
        edited = await confirm_first_slot(sam, 1)
    else:
        edited = await sam.tap(button, staff_sees)
    assert staff_sees in edited.text
    assert "Appointment request #1" in edited.text
    heard = await running.api.wait_for_text(ann.chat, client_hears)
    assert "#1" in heard.text
    if button in ("✅ Confirm", "✖️ Decline"):
        assert edited.labels() == [], "a final action removes the buttons"


async def test_a_second_press_after_confirm_does_not_act_twice(running: Running) -> None:
    ann = client(running)
    await book(ann)
    note = await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    decline = note.data_of("✖️ Decline")  # a second staff member still sees the old buttons
    sam = staff(running.api)
    await sam.tap("✅ Confirm", "Confirm at which time?")
    await confirm_first_slot(sam, 1)
    running.api.press(901, decline, note, first_name="Kim")
    await running.settle()
    declined = [m for m in running.api.messages(ann.chat) if "can't offer" in m.text]
    assert declined == []
    rows = await running.storage.fetch_all("SELECT status FROM requests")
    assert rows[0][0] == "confirmed"


async def test_presses_from_outside_the_staff_chat_are_refused(running: Running) -> None:
    ann = client(running)
    await book(ann)
    note = await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    # A client forges the staff button's data in their own chat.
    forged = running.api.messages(ann.chat)[-1]
    running.api.press(ann.user_id, note.data_of("✅ Confirm"), forged)
    await running.settle()
    answers = running.api.calls_of("answerCallbackQuery")
    assert "Only clinic staff" in str(answers[-1].params.get("text"))
    rows = await running.storage.fetch_all("SELECT status FROM requests")
    assert rows[0][0] == "open"


async def test_two_clients_booking_at_once_keep_their_own_data(running: Running) -> None:
    ann, bob = client(running, 42, "Ann"), client(running, 43, "Bob")
    await asyncio.gather(book(ann, {3: ["Varicose veins"]}), book(bob, {1: ["Blood thinners"]}))
    rows = await running.storage.fetch_all("SELECT chat_id, name, level, flags FROM requests")
    by_chat = {r[0]: (r[1], r[2], r[3]) for r in rows}
    assert by_chat == {
        42: ("Ann", "CAUTION", '["varicose"]'),
        43: ("Bob", "CLEARANCE", '["blood_thinner"]'),
    }
    assert all("Bob" not in m.text for m in running.api.messages(42))


async def test_a_restart_in_the_middle_of_the_check_continues_where_it_was(
    running: Running,
) -> None:
    ann = client(running)
    await ann.say("/book", "Do you agree?")
    await ann.tap("✅ I agree", "Health check (1 of 4)")
    await ann.tap("None of these", "Health check (2 of 4)")
    await ann.tap("Blood thinners", "Tap any that apply")
    await running.stop()
    await running.start()
    await ann.tap("Done ➡️", "Health check (3 of 4)")
    for n in (4,):
        await ann.tap("None of these", f"Health check ({n} of 4)")
    await ann.tap("None of these", "What name")
    state = await running.storage.fetch_all("SELECT state FROM conversations WHERE chat_id = 42")
    assert '"blood_thinner"' in state[0][0]


async def test_talk_to_staff_and_a_staff_reply_reaches_the_client(running: Running) -> None:
    ann = client(running)
    await ann.say("/start", "Welcome")
    await ann.tap("💬 Talk to staff", "Type your message for our team")
    await ann.say("Can I bring <b>my</b> dog?", "Sent ✅")
    forwarded = await running.api.wait_for_text(STAFF_CHAT, "Message from")
    assert "Can I bring &lt;b&gt;my&lt;/b&gt; dog?" in forwarded.text
    sam = staff(running.api)
    mark = running.api.version
    running.api.send_text(sam.user_id, "Yes, of course!", chat_id=STAFF_CHAT,
                          first_name="Sam", reply_to=forwarded)  # fmt: skip
    reply = await running.api.wait_for_text(ann.chat, "Yes, of course!", mark)
    assert "From the" in reply.text
    rows = await running.storage.fetch_all("SELECT direction, text FROM handoff ORDER BY id")
    assert [tuple(r) for r in rows] == [("in", "Can I bring <b>my</b> dog?"),
                                        ("out", "Yes, of course!")]  # fmt: skip


async def test_staff_commands_list_requests_and_unanswered_questions(running: Running) -> None:
    ann = client(running)
    await ann.say("zzqx wibble", "not sure")
    await book(ann)
    sam = staff(running.api)
    listing = await sam.say("/requests", "Open requests")
    assert "#1 CLEAR — Ann" in listing.text
    detail = await sam.say("/request 1", "Appointment request #1")
    assert "✅ Confirm" in detail.labels()
    unanswered = await sam.say("/unanswered", "Unanswered question 1 of 1")
    assert "zzqx wibble" in unanswered.text


async def test_staff_confirm_a_typed_time_by_replying_to_the_card(running: Running) -> None:
    ann = client(running)
    await book(ann)
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    sam = staff(running.api)
    await sam.tap("✅ Confirm", "Confirm at which time?")
    card = await sam.tap("✏️ Other time", "Reply to this message with the date and time")
    mark = running.api.version
    running.api.send_text(STAFF_USER, "tue 10:00", chat_id=STAFF_CHAT, first_name="Sam",
                          username="sam_desk", reply_to=card)  # fmt: skip
    await running.api.wait_for_text(STAFF_CHAT, "Confirmed by Sam", mark)
    heard = await running.api.wait_for_text(ann.chat, "your appointment is confirmed")
    assert "Tuesday " in heard.text and ", 10:00–11:00 (60 minutes)" in heard.text
    assert "tue 10:00" not in heard.text, "the staff member's words are read, not passed on"


async def test_the_confirmed_client_gets_the_calendar_file_and_can_cancel(
    running: Running,
) -> None:
    ann = client(running)
    await book(ann)
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    sam = staff(running.api)
    await sam.tap("✅ Confirm", "Confirm at which time?")
    await confirm_first_slot(sam, 1)
    confirmation = await running.api.wait_for_text(ann.chat, "your appointment is confirmed")
    assert confirmation.labels() == ["❌ Can't make it", "🔁 Reschedule"]
    file = next(m for m in running.api.messages(ann.chat) if m.text.startswith("📎"))
    assert file.text.startswith("📎 appointment-1.ics"), "sent with sendDocument over HTTP"
    assert file.message_id < confirmation.message_id, "the buttons stay on the newest message"
    ics = file.document.decode()
    assert "BEGIN:VEVENT" in ics and "UID:request-1@" in ics and "07700" not in ics
    await ann.tap("❌ Can't make it", "Cancel your appointment on")
    await ann.tap("Yes, cancel it", "is cancelled")
    notice = await running.api.wait_for_text(STAFF_CHAT, "The client cancelled the appointment")
    assert "request #1" in notice.text
    rows = await running.storage.fetch_all("SELECT status FROM requests")
    assert rows == [("cancelled",)]
    assert await running.storage.fetch_all("SELECT * FROM appointments") == []
