"""Every request ends; the staff chat, the outbox and the database files keep nothing after."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.services.retention import purge_expired
from bot.store.database import Storage
from bot.store.schema import MIGRATIONS
from tests.bot.conftest import STAFF_CHAT, STAFF_USER, Running
from tests.bot.driver import Person, book, staff

CHEST = "i have crushing chest pain right now and my left arm feels heavy"
CRISIS = "honestly i dont want to live anymore"
PHONE = "900123"  # in every phone number the tests type, however it is stored
HEALTH = ("Blood thinners", "blood_thinner", "CLEARANCE", "Neck and shoulders")


def days(n: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=n)


async def purge(running: Running, after: int) -> None:
    """Run the retention job as if `after` days had passed, and let its edits go out."""
    clinic = running.content.clinic
    await purge_expired(
        running.storage, clinic.retention_days, clinic.request_days,
        staff_chat=STAFF_CHAT, now=days(after),
    )  # fmt: skip
    assert running.app is not None
    await running.app.bot_data["outbox"].flush()  # what the daily job's wake() leads to


def file_bytes(running: Running) -> bytes:
    """Return what is on disk: the database file and its write-ahead log."""
    db = Path(running.settings.db_path)
    wal = db.with_name(db.name + "-wal")
    return db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def assert_not_on_disk(running: Running, *needles: str) -> None:
    stored = file_bytes(running)
    for needle in needles:
        assert needle.encode() not in stored, f"{needle!r} is still in the database files"


async def count(running: Running, sql: str) -> int:
    rows = await running.storage.fetch_all(sql)
    return int(rows[0][0])


async def test_forget_after_the_outbox_was_purged_still_redacts_the_staff_message(
    running: Running,
) -> None:
    ann = Person(running.api, 42, "Annabel")
    await book(ann, {1: ["Blood thinners"]})
    card = await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    assert "Blood thinners" in card.text and "Annabel" in card.text
    await running.settle()
    await purge(running, 31)
    assert await count(running, "SELECT count(*) FROM outbox") == 0, "the outbox was purged"
    assert await count(running, "SELECT count(*) FROM requests") == 1, "the request lives on"
    await ann.say("/forget", "Are you sure?")
    await ann.tap("🗑 Yes, delete everything", "has been deleted")
    await running.api.wait_for_text(STAFF_CHAT, "used /forget")
    await running.settle()
    assert card.text == "Request #1: details deleted at the client's request."
    assert card.labels() == [], "no buttons left on a deleted request"
    assert_not_on_disk(running, "Annabel", PHONE, *HEALTH)


async def test_forget_leaves_no_name_or_phone_in_the_database_or_its_log(
    running: Running,
) -> None:
    ann, bob = Person(running.api, 42, "Annabel"), Person(running.api, 43, "Bartholomew")
    await book(ann)
    await book(bob)
    await ann.say("/staff", "Type your message")
    await ann.say("can I park at the back, call me on 07700 900777", "Sent")
    await running.settle()
    assert b"Annabel" in file_bytes(running), "the test looks in the right files"
    await ann.say("/forget", "Are you sure?")
    await ann.tap("🗑 Yes, delete everything", "has been deleted")
    await running.settle()
    assert_not_on_disk(running, "Annabel", "900777", "park at the back")
    stored = file_bytes(running)
    assert b"Bartholomew" in stored and PHONE.encode() in stored, "Bob's request is untouched"


async def test_end_of_life_redacts_the_staff_message_and_leaves_nothing_on_disk(
    running: Running,
) -> None:
    ann = Person(running.api, 42, "Annabel", username="annabel_tg")
    await book(ann, {1: ["Blood thinners"]})
    card = await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    await running.settle()
    await purge(running, 364)
    assert "Annabel" in card.text, "kept for its whole life"
    await purge(running, 366)
    assert card.text == "Request #1: details deleted after 365 days."
    for table in ("requests", "request_actions", "staff_messages"):
        assert await count(running, f"SELECT count(*) FROM {table}") == 0, table
    assert await count(running, "SELECT count(*) FROM outbox WHERE payload != '{}'") == 0
    assert_not_on_disk(running, "Annabel", "annabel_tg", PHONE, *HEALTH)


async def test_every_request_ends_whatever_its_status_but_a_hold_stays_bare(
    running: Running,
) -> None:
    ann, bob = Person(running.api, 42, "Annabel"), Person(running.api, 43, "Bartholomew")
    dot, eve = Person(running.api, 44, "Dorothea"), Person(running.api, 45, "Evangeline", "eve_tg")
    sam = staff(running.api)
    await book(ann, {1: ["Blood thinners"]})
    cards = [await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")]
    await sam.tap("🩺 Needs doctor's note", "asked for by Sam")  # needs note
    await bob.say("/book", "Do you agree?")
    await bob.tap("📞 No — please call me instead", "What name should they ask for?")
    await bob.say("Bartholomew", "best phone number")
    await bob.share_phone("+44 7700 900123", "No health information was shared")
    cards.append(await running.api.wait_for_text(STAFF_CHAT, "Call-back request #2"))
    await sam.tap("📞 Contacted", "Contacted by Sam")  # contacted call-back
    await dot.say(CRISIS, "116 123")  # crisis alert #3, open
    cards.append(await running.api.wait_for_text(STAFF_CHAT, "CRISIS alert #3"))
    await eve.say(CHEST, "call 999 now")  # urgent alert #4, holds Eve's booking
    alert = await running.api.wait_for_text(STAFF_CHAT, "URGENT alert #4")
    await running.settle()
    await purge(running, 366)
    for number, card in enumerate(cards, start=1):
        assert card.text == f"Request #{number}: details deleted after 365 days."
    assert alert.text == (
        "Request #4: details deleted after 365 days. Their booking stays on hold until "
        "someone taps Contacted."
    )
    rows = await running.storage.fetch_all(
        "SELECT id, flags, first_name, username, name, phone FROM requests"
    )
    assert [tuple(r) for r in rows] == [(4, "[]", "", None, "", "")]
    assert_not_on_disk(running, "Annabel", "Bartholomew", "Dorothea", "Evangeline", "eve_tg",
                       PHONE, *HEALTH)  # fmt: skip
    await eve.say("/book", "needs to speak with you")  # the purge does not lift a hold
    await purge(running, 800)
    assert await count(running, "SELECT count(*) FROM requests") == 1, "held: kept, bare"
    await sam.tap("📞 Contacted", "Contacted by Sam")
    await eve.say("/book", "Do you agree?")


async def test_a_request_lives_a_year_from_its_last_activity(running: Running) -> None:
    ann, bob = Person(running.api, 42, "Annabel"), Person(running.api, 43, "Bartholomew")
    dot = Person(running.api, 44, "Dorothea")
    await book(ann)
    await book(bob)
    bobs = await running.api.wait_for_text(STAFF_CHAT, "Appointment request #2")
    await dot.say(CRISIS, "116 123")
    await running.api.wait_for_text(STAFF_CHAT, "CRISIS alert #3")
    # As if they had all come in 300 days ago.
    then = (datetime.now(UTC) - timedelta(days=300)).isoformat(timespec="milliseconds")
    await running.storage.execute("UPDATE requests SET created_at = ?, active_at = ?", (then,) * 2)
    mark = running.api.version
    running.api.press(STAFF_USER, bobs.data_of("📞 Contacted"), bobs, first_name="Sam")
    await running.api.wait_for_text(STAFF_CHAT, "Contacted by Sam", mark)
    await dot.say(CRISIS, "116 123")  # the client writes again about the same alert
    await running.settle()
    await purge(running, 100)
    rows = await running.storage.fetch_all("SELECT id FROM requests ORDER BY id")
    assert [r[0] for r in rows] == [2, 3], "Ann's (untouched for 400 days) ended"
    await purge(running, 366)
    assert await count(running, "SELECT count(*) FROM requests") == 0


async def test_a_staff_reply_to_a_request_still_reaches_the_client_after_the_outbox_purge(
    running: Running,
) -> None:
    ann = Person(running.api, 42, "Annabel")
    await book(ann)
    card = await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    await running.settle()
    await purge(running, 31)
    mark = running.api.version
    running.api.send_text(900, "We can do Tuesday at 6", chat_id=STAFF_CHAT, first_name="Sam",
                          reply_to=card)  # fmt: skip
    await running.api.wait_for_text(42, "We can do Tuesday at 6", mark)


async def test_a_message_the_client_blocked_is_blanked_when_given_up_and_then_purged(
    running: Running,
) -> None:
    ann = Person(running.api, 42, "Annabel")
    await book(ann, send=False)
    running.api.block(42, "Forbidden: bot was blocked by the user")
    running.api.tap(42, "✅ Send request", 42, first_name="Annabel")
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    await running.settle()
    rows = await running.storage.fetch_all(
        "SELECT payload FROM outbox WHERE gave_up_at IS NOT NULL"
    )
    assert rows, "the client's replies were given up"
    assert {r[0] for r in rows} == {"{}"}, "nothing of what they said is kept"
    await purge(running, 31)
    assert await count(running, "SELECT count(*) FROM outbox WHERE gave_up_at IS NOT NULL") == 0


async def test_talk_to_staff_is_not_kept_once_sent_and_ends_after_retention_days(
    running: Running,
) -> None:
    ann = Person(running.api, 42, "Annabel")
    await ann.say("/staff", "Type your message")
    await ann.say("can I park at the back?", "Sent")
    forwarded = await running.api.wait_for_text(STAFF_CHAT, "park at the back")
    await running.settle()
    payloads = await running.storage.fetch_all("SELECT payload FROM outbox")
    assert all("park" not in p for (p,) in payloads), "delivered, then not kept in the outbox"
    await purge(running, 29)
    assert await count(running, "SELECT count(*) FROM handoff") == 1
    assert "park at the back" in forwarded.text
    await purge(running, 31)
    assert await count(running, "SELECT count(*) FROM handoff") == 0
    assert forwarded.text == "Message deleted after 30 days."
    assert_not_on_disk(running, "park at the back")


async def test_unanswered_questions_are_kept_cut_to_300_characters(running: Running) -> None:
    ann = Person(running.api, 42, "Annabel")
    await ann.say("zzqx wibble " * 100, "not sure")
    rows = await running.storage.fetch_all("SELECT text FROM unanswered")
    assert [len(r[0]) for r in rows] == [300]


async def test_an_older_database_keeps_its_staff_message_ids_and_blanks_given_up_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        for number, script in enumerate(MIGRATIONS[:2], start=1):
            db.executescript(f"{script}; PRAGMA user_version = {number};")
        db.execute(
            "INSERT INTO requests (chat_id, first_name, kind, level, flags, name, phone, times, "
            "concern, status, created_at) VALUES (42, 'Ann', 'booking', 'CLEAR', '[]', 'Ann', "
            "'0770', '', '', 'open', '2024-01-01T00:00:00.000+00:00')"
        )
        for purpose, message_id, gave_up in (("request", 7, None), ("reply", None, "2024")):
            db.execute(
                "INSERT INTO outbox (chat_id, method, payload, purpose, ref, created_at, "
                "next_attempt_at, message_id, gave_up_at) VALUES (?, 'sendMessage', "
                "'{\"text\": \"Ann 0770\"}', ?, 1, '2024', '2024', ?, ?)",
                (STAFF_CHAT, purpose, message_id, gave_up),
            )
    db.close()
    storage = await Storage.open(path)
    try:
        found = await storage.fetch_all("SELECT chat_id, message_id, kind, ref FROM staff_messages")
        assert [tuple(r) for r in found] == [(STAFF_CHAT, 7, "request", 1)]
        given_up = await storage.fetch_all(
            "SELECT payload FROM outbox WHERE gave_up_at IS NOT NULL"
        )
        assert [r[0] for r in given_up] == ["{}"]
        active = await storage.fetch_all("SELECT active_at FROM requests")
        assert active[0][0] == "2024-01-01T00:00:00.000+00:00", "its last activity: created"
    finally:
        await storage.close()


async def test_ignored_questions_are_forgotten_after_retention_days(running: Running) -> None:
    await Person(running.api, 42).say("zzqx blorp", "sure")
    sam = staff(running.api)
    await sam.say("/unanswered", "Unanswered question 1 of 1")
    await sam.tap("🙈 Ignore", "ignored by Sam")
    assert await count(running, "SELECT count(*) FROM ignored_questions") == 1
    await purge(running, running.content.clinic.retention_days - 1)
    assert await count(running, "SELECT count(*) FROM ignored_questions") == 1
    await purge(running, running.content.clinic.retention_days + 1)
    assert await count(running, "SELECT count(*) FROM ignored_questions") == 0
    assert_not_on_disk(running, "zzqx blorp")
