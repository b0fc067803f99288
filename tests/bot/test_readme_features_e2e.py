"""What the README promises staff and clinic owners, each checked through the running bot."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from bot.telegram.error_reporter import ErrorReporter
from tests.bot.conftest import STAFF_CHAT, Running
from tests.bot.driver import Person, book, confirm, staff

CHEST = "i have crushing chest pain right now and my left arm feels heavy"


def alerts(running: Running) -> list[str]:
    return [m.text for m in running.api.messages(STAFF_CHAT) if "hit an error" in m.text]


async def test_a_second_error_alert_goes_to_staff_only_after_a_minute(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert running.app is not None
    (reporter,) = [h for h in running.app.error_handlers if isinstance(h, ErrorReporter)]
    now = [1000.0]
    reporter.clock = lambda: now[0]  # the reporter's own clock, moved on by the test

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(type(running.content.desk), "handle", broken)
    for client, seconds_later, expected in ((42, 0, 1), (43, 59, 1), (44, 61, 2), (45, 90, 2)):
        now[0] = 1000.0 + seconds_later
        await Person(running.api, client).say("parking?", "something went wrong")
        await running.settle()
        assert len(alerts(running)) == expected, (seconds_later, alerts(running))
    assert running.api.messages(STAFF_CHAT)[-1].text == alerts(running)[-1]
    assert len(running.errors) == 4
    running.errors.clear()


async def test_unanswered_lists_the_most_frequent_questions_first(running: Running) -> None:
    ann = Person(running.api, 42)
    asked = {"zzqx blorp": 1, "wibble frotz": 3, "qwfp vbnmz": 2}
    for text, times in asked.items():
        for n in range(times):
            # The same question in other capitals counts as the same question.
            await ann.say(text.upper() if n else text, "sure")
    sam = staff(running.api)
    card = await sam.say("/unanswered", "Unanswered question 1 of 3")
    seen = [re.findall(r"asked (\d+) ×\n“([^”]+)”", card.text)]
    for n in (2, 3):
        card = await sam.tap("Next ›", f"Unanswered question {n} of 3")
        seen.append(re.findall(r"asked (\d+) ×\n“([^”]+)”", card.text))
    assert seen == [[("3", "wibble frotz")], [("2", "qwfp vbnmz")], [("1", "zzqx blorp")]]
    # One card, edited in place: the staff chat is not filled with a message per question.
    assert len(running.api.messages(STAFF_CHAT)) == 1


async def test_the_retention_job_is_scheduled_daily_and_deletes_what_has_expired(
    running: Running,
) -> None:
    assert running.app is not None and running.app.job_queue is not None
    (job,) = running.app.job_queue.get_jobs_by_name("retention")
    trigger = job.job.trigger
    assert isinstance(trigger, IntervalTrigger)
    assert trigger.interval == timedelta(days=1)
    first = job.next_t
    assert first is not None
    # "A minute after start": the running Application scheduled it that far ahead.
    assert timedelta(seconds=30) < first - datetime.now(UTC) <= timedelta(minutes=1)
    clinic = running.content.clinic
    old = (datetime.now(UTC) - timedelta(days=clinic.retention_days + 1)).isoformat()
    new = datetime.now(UTC).isoformat()
    await running.storage.execute(
        "INSERT INTO unanswered (chat_id, text, best_id, score, created_at) VALUES "
        "(42, 'an old question', NULL, 0, ?), (43, 'a new question', NULL, 0, ?)",
        (old, new),
    )
    await job.run(running.app)  # what the job queue does when the time comes
    rows = await running.storage.fetch_all("SELECT text FROM unanswered")
    assert [r[0] for r in rows] == ["a new question"]


async def test_a_staff_action_shows_who_acted_and_when(running: Running) -> None:
    await book(Person(running.api, 42, "Ann"))
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    zone = running.content.clinic.time_zone
    before = datetime.now(zone)
    card = await confirm(staff(running.api), 1)
    after = datetime.now(zone)
    shown = {t.strftime("%a %d %b %H:%M") for t in (before, after)}
    lines = [line for line in card.text.splitlines() if "Confirmed by" in line]
    assert len(lines) == 1, card.text
    assert any(lines[0].endswith(f"by Sam (@sam_desk) at {when}") for when in shown), lines


async def test_contacted_on_an_urgent_alert_lets_the_client_book_again(running: Running) -> None:
    ann = Person(running.api, 42, "Ann")
    await ann.say(CHEST, "call 999 now")
    await running.api.wait_for_text(STAFF_CHAT, "URGENT alert #1")
    await ann.say("/book", "needs to speak with you")  # held until staff have been in touch
    await staff(running.api).tap("📞 Contacted", "Contacted by Sam")
    await running.settle()
    await book(ann)
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #2")


async def test_a_staff_reply_to_a_request_reaches_the_client(running: Running) -> None:
    ann = Person(running.api, 42, "Ann")
    await book(ann)
    card = await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    mark = running.api.version
    running.api.send_text(900, "We can do <Tuesday> at 6 & bring a towel", chat_id=STAFF_CHAT,
                          first_name="Sam", username="sam_desk", reply_to=card)  # fmt: skip
    reply = await running.api.wait_for_text(ann.chat, "We can do", mark)
    # Clients' messages are plain text: the client reads exactly what staff typed.
    assert reply.parse_mode is None
    assert (
        reply.text.startswith("💬 From the")
        and "We can do <Tuesday> at 6 & bring a towel" in reply.text
    )
    note = await running.api.wait_for_text(STAFF_CHAT, "Sent to the client by Sam", mark)
    assert note.message_id != card.message_id
    await running.settle()
    told = [m for m in running.api.messages(ann.chat) if "We can do" in m.text]
    assert len(told) == 1
