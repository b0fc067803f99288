"""Privacy: consent time, /privacy, /forget deleting every row, retention, clean logs."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.logs import setup_logging
from bot.services.retention import purge_expired
from tests.bot.conftest import STAFF_CHAT, TOKEN, Running
from tests.bot.driver import Person, book, confirm, staff

TABLES = ("requests", "unanswered", "handoff", "conversations")


async def rows_about(running: Running, chat_id: int) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        rows = await running.storage.fetch_all(
            f"SELECT count(*) FROM {table} WHERE chat_id = ?", (chat_id,)
        )
        counts[table] = rows[0][0]
    return counts


async def test_consent_is_recorded_with_its_time(running: Running) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    await book(Person(running.api, 42, "Ann"))
    rows = await running.storage.fetch_all("SELECT consent_at FROM requests")
    consent = datetime.fromisoformat(rows[0][0])
    assert before <= consent <= datetime.now(UTC)


async def test_privacy_says_what_is_kept_why_and_for_how_long(running: Running) -> None:
    reply = await Person(running.api, 42).say("/privacy", "What")
    assert "30 days" in reply.text and "365 days" in reply.text and "/forget" in reply.text


async def test_forget_deletes_everything_and_tells_client_and_staff(running: Running) -> None:
    ann, bob = Person(running.api, 42, "Ann"), Person(running.api, 43, "Bob")
    await ann.say("zzqx wibble", "not sure")
    await book(ann, {1: ["Blood thinners"]})
    await ann.say("/staff", "Type your message")
    await ann.say("is the car park free?", "Sent")
    await book(bob)
    note = await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #2")
    mark = running.api.version
    desk = staff(running.api)
    running.api.press(desk.user_id, note.data_of("📞 Contacted"), note, first_name="Sam")
    await running.api.wait_for_text(STAFF_CHAT, "Contacted by Sam", mark)
    await running.settle()
    assert all(n > 0 for n in (await rows_about(running, 42)).values())
    confirm = await ann.say("/forget", "Are you sure?")
    assert "can't be undone" in confirm.text
    await ann.tap("🗑 Yes, delete everything", "everything we held about you has been deleted")
    notice = await running.api.wait_for_text(STAFF_CHAT, "used /forget")
    assert "#1" in notice.text
    await running.settle()
    assert await rows_about(running, 42) == dict.fromkeys(TABLES, 0)
    actions = await running.storage.fetch_all("SELECT count(*) FROM request_actions")
    assert actions[0][0] == 0
    leftovers = await running.storage.fetch_all(
        "SELECT count(*) FROM outbox WHERE payload LIKE '%Ann%' OR payload LIKE '%car park%'"
    )
    assert leftovers[0][0] == 0, "no copy of the client's details is left in the outbox"
    assert "details deleted" in note.text, "the staff message no longer shows the details"
    assert "Ann" not in note.text
    assert (await rows_about(running, 43))["requests"] == 1, "other clients are untouched"


async def test_forget_can_be_called_off(running: Running) -> None:
    ann = Person(running.api, 42, "Ann")
    await book(ann)
    await ann.say("/forget", "Are you sure?")
    await ann.tap("No, keep it", "nothing has been deleted")
    assert (await rows_about(running, 42))["requests"] == 1


async def test_retention_deletes_unfinished_checks_then_every_request(
    running: Running,
) -> None:
    ann, bob, cat = (Person(running.api, i, n) for i, n in ((42, "Ann"), (43, "Bob"), (44, "Cat")))
    await ann.say("/book", "Do you agree?")
    await ann.tap("✅ I agree", "Health check (1 of 4)")
    await ann.tap("None of these", "Health check (2 of 4)")
    await ann.tap("Blood thinners", "Tap any that apply")  # unfinished: answers in state only
    await book(bob)
    await book(cat)
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #2")
    await confirm(staff(running.api), 2)  # closes #2 (Cat's)
    await running.settle()
    clinic = running.content.clinic
    soon = datetime.now(UTC) + timedelta(days=clinic.retention_days - 1)
    report = await purge_expired(running.storage, 30, 365, staff_chat=STAFF_CHAT, now=soon)
    assert report.conversations == 0
    later = datetime.now(UTC) + timedelta(days=clinic.retention_days + 1)
    await purge_expired(running.storage, 30, 365, staff_chat=STAFF_CHAT, now=later)
    assert (await rows_about(running, 42))["conversations"] == 0
    assert (await rows_about(running, 43))["requests"] == 1, "open requests are kept"
    much_later = datetime.now(UTC) + timedelta(days=clinic.request_days + 1)
    await purge_expired(running.storage, 30, 365, staff_chat=STAFF_CHAT, now=much_later)
    assert (await rows_about(running, 44))["requests"] == 0
    assert (await rows_about(running, 43))["requests"] == 0, "open ones end too"


async def test_health_answers_never_reach_the_logs_even_at_debug(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    setup_logging(replace(running.settings, log_level="DEBUG"))
    caplog.set_level(logging.DEBUG)
    ann = Person(running.api, 42, "Ann")
    ticks = {0: [], 1: ["Blood thinners", "Heart condition"], 2: ["Fever or infection now"],
             3: ["Varicose veins", "Allergy to oils, nuts, scents or latex"]}  # fmt: skip
    await book(ann, ticks)
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    await staff(running.api).tap("🩺 Needs doctor's note", "asked for by Sam")
    await running.settle()
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "event=handled" in logged, "the flow was logged at all"
    questionnaire = running.content.questionnaire
    for checklist in questionnaire.checklists:
        for item in checklist.items:
            assert item.label not in logged
            assert item.id not in logged
    assert TOKEN not in logged
    assert "7700900123" not in logged and "Ann" not in logged
