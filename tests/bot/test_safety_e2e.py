"""Free-text safety through Telegram: each kind, at every step, alerts, holds and privacy."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.logs import setup_logging
from bot.services.retention import purge_expired
from tests.bot.conftest import STAFF_CHAT, Running
from tests.bot.driver import Person, book, confirm_first_slot, staff

CHEST = "i have crushing chest pain right now and my left arm feels heavy"
CRISIS = "honestly i dont want to live anymore"


def ann(running: Running) -> Person:
    return Person(running.api, 42, "Ann", username="ann_tg")


async def staff_texts(running: Running) -> str:
    await running.settle()
    return "\n".join(m.text for m in running.api.messages(STAFF_CHAT))


async def test_emergency_from_a_fresh_chat_gets_the_number_alerts_staff_and_holds(
    running: Running,
) -> None:
    client = ann(running)
    reply = await client.say(CHEST, "call 999 now")
    assert reply.labels() == [], "no booking button, nothing to distract"
    alert = await running.api.wait_for_text(STAFF_CHAT, "URGENT alert")
    assert "Typed about symptoms that may be an emergency" in alert.text
    assert "tg://user?id=42" in alert.text and "@ann_tg" in alert.text
    for words in ("crushing", "chest pain", "arm"):
        assert words not in alert.text, "staff never see the client's words"
    assert alert.labels() == ["📞 Contacted"]
    held = await client.say("/book", "needs to speak with you")
    assert "Do you agree" not in held.text


async def test_a_swollen_hot_calf_gets_the_limb_message_not_reassurance(running: Running) -> None:
    client = ann(running)
    reply = await client.say(
        "my calf is swollen and hot since the massage yesterday, is that normal?", "doctor today"
    )
    assert "999" in reply.text and "sore is normal" not in reply.text
    await running.api.wait_for_text(STAFF_CHAT, "painful, swollen or hot leg or arm")


async def test_crisis_gets_the_crisis_line_and_a_crisis_alert_without_a_hold(
    running: Running,
) -> None:
    client = ann(running)
    reply = await client.say(CRISIS, "116 123")
    assert "999" in reply.text and reply.labels() == []
    alert = await running.api.wait_for_text(STAFF_CHAT, "CRISIS alert")
    assert "anymore" not in alert.text and "live" not in alert.text.split("CRISIS")[0]
    assert "dont want" not in alert.text
    await client.say("/book", "Do you agree?")  # no hold: booking is not refused


async def test_see_a_doctor_and_child_messages_point_the_right_way(running: Running) -> None:
    client = ann(running)
    doctor = await client.say("i had surgery on my knee last week, can i still come", "doctor")
    assert "📅 Book an appointment" in doctor.labels()
    assert "Is it safe for me?" in doctor.labels(), "the contraindications topic is offered"
    child = await client.say("can my 14 year old son have a sports massage?", "aged 16 and over")
    assert "under 18" in child.text
    assert await staff_texts(running) == "", "neither alerts staff"


async def test_a_red_flag_typed_during_the_health_check_stops_it(running: Running) -> None:
    client = ann(running)
    await client.say("/book", "Do you agree?")
    await client.tap("✅ I agree", "Health check (1 of 4)")
    reply = await client.say("I have chest pain right now", "call 999 now")
    assert "please use the buttons" not in reply.text
    await running.api.wait_for_text(STAFF_CHAT, "URGENT alert")
    await client.say("/book", "needs to speak with you")


async def test_a_doctor_worry_typed_mid_check_is_answered_and_the_page_shown_again(
    running: Running,
) -> None:
    client = ann(running)
    await client.say("/book", "Do you agree?")
    await client.tap("✅ I agree", "Health check (1 of 4)")
    mark = running.api.version
    await client.say("Heart condition? I'm on warfarin", "check with your doctor")
    again = await running.api.wait_for_text(42, "Health check (1 of 4)", mark)
    assert "Chest pain or sudden breathlessness" in again.labels()
    await client.tap("None of these", "Health check (2 of 4)")


async def test_a_crisis_typed_at_the_name_question_is_never_stored_as_a_name(
    running: Running,
) -> None:
    client = ann(running)
    await book(client, send=False)
    await client.tap("✏️ Change", "What would you like to change?")
    await client.tap("Name", "What name should we book under?")
    await client.say("I don't want to live anymore", "116 123")
    await running.api.wait_for_text(STAFF_CHAT, "CRISIS alert")
    rows = await running.storage.fetch_all("SELECT name FROM requests")
    assert [r[0] for r in rows] == [""], "only the bare alert: no request, no name"
    states = await running.storage.fetch_all("SELECT state FROM conversations")
    assert all("live" not in s for (s,) in states)


async def test_talk_to_staff_with_an_emergency_is_not_forwarded(running: Running) -> None:
    client = ann(running)
    await client.say("/staff", "Type your message for our team")
    reply = await client.say("crushing chest pain right now", "call 999 now")
    assert "Sent ✅" not in reply.text
    texts = await staff_texts(running)
    assert "URGENT alert" in texts and "Message from" not in texts
    assert "crushing" not in texts


async def test_talk_to_staff_with_health_details_is_withheld(running: Running) -> None:
    client = ann(running)
    await client.say("/staff", "Type your message for our team")
    await client.say("pls tell the therapist im 20 weeks pregnant", "haven't passed that on")
    assert "pregnant" not in await staff_texts(running)
    await client.say("can I park outside?", "Sent ✅")
    await running.api.wait_for_text(STAFF_CHAT, "can I park outside?")


async def test_repeating_an_emergency_alerts_staff_once(running: Running) -> None:
    client = ann(running)
    await client.say(CHEST, "call 999 now")
    await client.say("still chest pain, cant breathe", "call 999 now")
    texts = await staff_texts(running)
    assert texts.count("URGENT alert") == 1


async def test_contacted_releases_the_hold(running: Running) -> None:
    client = ann(running)
    await client.say(CHEST, "call 999 now")
    await running.api.wait_for_text(STAFF_CHAT, "URGENT alert")
    await staff(running.api).tap("📞 Contacted", "Contacted by Sam")
    await running.settle()
    await client.say("/book", "Do you agree?")


async def test_the_retention_job_does_not_lift_a_hold(running: Running) -> None:
    client = ann(running)
    await client.say(CHEST, "call 999 now")
    await running.api.wait_for_text(STAFF_CHAT, "URGENT alert")
    clinic = running.content.clinic
    later = datetime.now(UTC) + timedelta(days=clinic.retention_days + 1)
    report = await purge_expired(
        running.storage, clinic.retention_days, 365, staff_chat=STAFF_CHAT, now=later
    )
    assert report.conversations == 1, "the conversation itself was deleted"
    await client.say("/book", "needs to speak with you")


async def test_forget_keeps_a_bare_hold_until_contacted(running: Running) -> None:
    client = ann(running)
    await client.say("/book", "Do you agree?")
    await client.tap("✅ I agree", "Health check (1 of 4)")
    await client.tap("Chest pain or sudden breathlessness", "call 999 now")
    await running.api.wait_for_text(STAFF_CHAT, "URGENT alert #1")
    await client.say("/forget", "Are you sure?")
    await client.tap("🗑 Yes, delete everything", "has been deleted")
    bare = await running.api.wait_for_text(STAFF_CHAT, "stays on hold")
    assert "Chest pain" not in bare.text and "Ann" not in bare.text
    rows = await running.storage.fetch_all(
        "SELECT flags, name, first_name, username, consent_at FROM requests"
    )
    assert [tuple(r) for r in rows] == [("[]", "", "", None, None)]
    await client.say("/book", "needs to speak with you")
    await staff(running.api).tap("📞 Contacted", "Contacted by Sam")
    await running.settle()
    await client.say("/book", "Do you agree?")


async def test_confirming_a_clearance_request_takes_a_second_tap(running: Running) -> None:
    client = ann(running)
    await book(client, {1: ["Blood thinners"]})
    await running.api.wait_for_text(STAFF_CHAT, "<b>CLEARANCE</b>")
    sam = staff(running.api)
    asked = await sam.tap("✅ Confirm", "Before confirming")
    assert asked.labels() == ["✅ Yes, I've spoken to them — confirm", "↩️ Back"]
    await running.settle()
    assert "confirmed your appointment" not in running.api.last_message(42).text
    back = await sam.tap("↩️ Back", "Blood thinners")
    assert "Before confirming" not in back.text and "✅ Confirm" in back.labels()
    await sam.tap("✅ Confirm", "Before confirming")
    await sam.tap("✅ Yes, I've spoken to them — confirm", "Confirm at which time?")
    card = await confirm_first_slot(sam, 1)
    assert "client spoken to" in card.text and "by Sam" in card.text
    await running.api.wait_for_text(42, "your appointment is confirmed")


async def test_not_sure_about_red_flags_shows_the_emergency_line(running: Running) -> None:
    client = ann(running)
    await client.say("/book", "Do you agree?")
    first = await client.tap("✅ I agree", "Health check (1 of 4)")
    assert "Chest pain or sudden breathlessness: Right now, do you have" in first.text
    mark = running.api.version
    await client.tap("Not sure — please call me", "call 999 straight away")
    await running.api.wait_for_text(42, "Health check (2 of 4)", mark)
    for group in (1, 2, 3):
        following = f"Health check ({group + 2} of 4)" if group < 3 else "What name"
        await client.tap("None of these", following)
    await client.tap("Use “Ann”", "best phone number")
    await client.say("07700 900123", "Which session would you like?")
    await client.tap("60-minute massage · £65", "When would suit you?")
    await client.tap("Any time", "When would suit you?")
    await client.tap("Done ➡️", "What would you like us to work on?")
    await client.tap("Skip ➡️", "Here's your request")
    await client.tap("✅ Send request", "is with our team")
    card = await running.api.wait_for_text(STAFF_CHAT, "Appointment request")
    assert "Not sure about red-flag symptoms" in card.text and "CLEARANCE" in card.text


@pytest.mark.parametrize(
    "message",
    [
        "I'm dying for a massage, my shoulders are killing me",
        "no chest pain or anything, just a stiff neck from my desk",
        "I could murder a coffee after work, are you open late?",
    ],
)
async def test_idioms_and_negations_do_not_alarm(running: Running, message: str) -> None:
    client = ann(running)
    reply = await client.say(message, "")
    urgent = running.content.questionnaire.messages["urgent_emergency"]
    assert urgent not in reply.text and "116 123" not in reply.text
    assert await staff_texts(running) == ""
    await client.say("/book", "Do you agree?")


async def test_the_clients_words_are_kept_out_of_logs_staff_chat_and_storage(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    setup_logging(replace(running.settings, log_level="DEBUG"))
    caplog.set_level(logging.DEBUG)
    client = ann(running)
    await client.say(CHEST, "call 999 now")
    await client.say(CRISIS, "116 123")
    await client.say("is it ok if im on warfarin", "check with your doctor")
    texts = await staff_texts(running)
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "event=handled" in logged, "the messages were logged at all"
    for words in ("crushing", "chest pain", "live anymore", "warfarin"):
        assert words not in logged and words not in texts
    unanswered = await running.storage.fetch_all("SELECT count(*) FROM unanswered")
    assert unanswered[0][0] == 0, "safety messages are not kept as unanswered questions"


async def test_a_health_question_the_faq_cannot_answer_is_not_kept_for_staff(
    running: Running,
) -> None:
    # No alarm, no FAQ answer: the client is pointed to a doctor, and their words about
    # their body are not stored as an unanswered question nor listed to staff.
    client = ann(running)
    await client.say("my knee clicks a bit when i walk upstairs, what is that", "doctor")
    await client.say("zzqx blorp", "not sure")
    rows = await running.storage.fetch_all("SELECT text FROM unanswered")
    assert [r[0] for r in rows] == ["zzqx blorp"]
    card = await staff(running.api).say("/unanswered", "Unanswered question 1 of 1")
    assert "zzqx blorp" in card.text and "knee" not in card.text


# One message of each kind, with a word of it that must never be stored or shown to
# staff, the reply it must get, and the staff alert it raises (None: no alert).
KINDS = {
    "emergency": (
        "my face went droopy on one side an hour ago",
        "droopy",
        "call 999 now",
        "URGENT",
    ),
    "limb": ("my calf is hot and swollen since yesterday", "calf", "doctor today", "URGENT"),
    "crisis": ("i keep thinking about ending it all", "ending it", "116 123", "CRISIS"),
    "doctor": ("i had a knee op 10 days ago is that ok", "knee op", "check with your doctor", None),
    "child": ("its for my 15 yr old daughter actually", "daughter", "aged 16 and over", None),
}


async def to_name_question(client: Person) -> None:
    await client.say("/book", "Do you agree?")
    await client.tap("✅ I agree", "Health check (1 of 4)")
    for group in range(4):
        following = f"Health check ({group + 2} of 4)" if group < 3 else "What name"
        await client.tap("None of these", following)


@pytest.mark.parametrize("kind", list(KINDS))
async def test_each_kind_mid_check_at_a_booking_field_and_in_talk_to_staff(
    running: Running, kind: str
) -> None:
    message, word, expect, alert = KINDS[kind]
    mid_check = Person(running.api, 61, "Bo")
    await mid_check.say("/book", "Do you agree?")
    await mid_check.tap("✅ I agree", "Health check (1 of 4)")
    await mid_check.tap("None of these", "Health check (2 of 4)")
    at_name = Person(running.api, 62, "Cy")
    await to_name_question(at_name)
    to_staff = Person(running.api, 63, "Di")
    await to_staff.say("/staff", "Type your message for our team")
    for client, page in ((mid_check, "Health check (2 of 4)"), (at_name, "What name")):
        mark = running.api.version
        reply = await client.say(message, expect)
        assert "please use the buttons" not in reply.text
        if alert is None:  # no hold: the client is taken back to where they were
            await running.api.wait_for_text(client.chat, page, mark)
        else:
            assert reply.labels() == [], "no booking button in an alarm reply"
    reply = await to_staff.say(message, expect)
    texts = await staff_texts(running)
    if kind == "child":  # an age is not a health detail: the question reaches staff
        assert "Sent ✅" in reply.text and word in texts
    else:
        assert "Sent ✅" not in reply.text, "health words are never passed on to staff"
        assert word not in texts and "Message from" not in texts
    alerts = texts.count(f"{alert} alert") if alert else texts.count("alert #")
    assert alerts == (3 if alert else 0), "one alert per client, none for doctor or child"
    stored = await running.storage.fetch_all("SELECT state FROM conversations")
    assert all(word not in state for (state,) in stored), "typed words are never stored"
    if alert == "URGENT":
        await at_name.say("/book", "needs to speak with you")
    elif alert == "CRISIS":  # the booking in progress ended; a new one may start
        await at_name.say("/book", "Do you agree?")
    else:
        await at_name.tap("Use “Cy”", "best phone number")
