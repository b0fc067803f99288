"""Staff teach the bot from /unanswered in the staff chat, through the running bot."""

from __future__ import annotations

from tests.bot.conftest import STAFF_CHAT, STAFF_USER, Running
from tests.bot.driver import Person, staff
from tests.bot.fake_bot_api import SentMessage

LIFT = "do you have a lift for wheelchair users"
NOT_SURE = "sure"  # the bot's honest "not sure" reply says so


def location_answer(running: Running) -> str:
    entry = running.content.kb.get("location")
    assert entry is not None
    return entry.answer[:40]


async def add_to(sam: Person, title: str) -> SentMessage:
    """From a question's card, page through "Other entry…" to an entry and add it there."""
    card = await sam.tap("📚 Other entry…", "to which entry?")
    while f"➕ {title}" not in card.labels():
        card = await sam.tap("More ›", "to which entry?")
    return await sam.tap(f"➕ {title}", "added to")


async def test_a_taught_question_is_answered_at_once_and_after_a_restart(
    running: Running,
) -> None:
    await Person(running.api, 42).say(LIFT, NOT_SURE)
    sam = staff(running.api)
    card = await sam.say("/unanswered", "Unanswered question 1 of 1")
    assert LIFT in card.text
    done = await add_to(sam, "Where we are")
    assert "Where we are</b> by Sam" in done.text or "Where we are by Sam" in done.text
    assert "No unanswered questions to review" in done.text
    # The next client asking it gets the answer, without a restart, and nobody told client 42.
    reply = await Person(running.api, 43).say(LIFT.capitalize() + "?", location_answer(running))
    assert NOT_SURE not in reply.text
    assert len(running.api.messages(42)) == 1
    await running.stop()
    await running.start()
    await Person(running.api, 44).say(LIFT, location_answer(running))
    # Kept as the clinic's wording: no client chat id beside it.
    columns = [r[1] for r in await running.storage.fetch_all("PRAGMA table_info(learned)")]
    assert "chat_id" not in columns
    assert await running.storage.fetch_all("SELECT text FROM unanswered") == []


async def test_an_ignored_question_is_not_offered_again(running: Running) -> None:
    ann = Person(running.api, 42)
    await ann.say("zzqx blorp", NOT_SURE)
    await ann.say("wibble frotz", NOT_SURE)
    await ann.say("wibble frotz", NOT_SURE)
    sam = staff(running.api)
    await sam.say("/unanswered", "“wibble frotz”")
    card = await sam.tap("🙈 Ignore", "ignored by Sam")
    assert "Unanswered question 1 of 1" in card.text and "zzqx blorp" in card.text
    await ann.say("wibble frotz", NOT_SURE)  # asked again after it was ignored
    card = await sam.say("/unanswered", "Unanswered question 1 of 1")
    assert "wibble frotz" not in card.text


async def test_someone_outside_the_staff_chat_cannot_teach(running: Running) -> None:
    await Person(running.api, 42).say(LIFT, NOT_SURE)
    card = await staff(running.api).say("/unanswered", "Unanswered question 1 of 1")
    # The card's button data, forged from the client's own chat.
    running.api.press(42, card.data_of("🙈 Ignore"), running.api.last_message(42))
    (answer,) = await running.api.wait_for_call("answerCallbackQuery")
    assert answer.params.get("text") == "Only clinic staff can do that."
    await running.settle()
    card = await staff(running.api).say("/unanswered", "Unanswered question 1 of 1")
    assert LIFT in card.text


async def test_a_question_the_safety_check_catches_is_never_offered(running: Running) -> None:
    # Logged before the clinic's safety phrases caught it (an older version, say).
    await running.storage.execute(
        "INSERT INTO unanswered (chat_id, text, best_id, score, created_at) VALUES "
        "(42, 'my calf is swollen hot and red since the flight', NULL, 0, '2026-12-01T10:00'),"
        "(42, 'zzqx blorp', NULL, 0, '2026-12-01T10:00')"
    )
    card = await staff(running.api).say("/unanswered", "Unanswered question 1 of 1")
    assert "calf" not in card.text and "zzqx blorp" in card.text
    rows = await running.storage.fetch_all("SELECT text FROM unanswered")
    assert [r[0] for r in rows] == ["zzqx blorp"]  # deleted, not just hidden


async def test_a_question_gone_meanwhile_is_said_to_be_gone(running: Running) -> None:
    await Person(running.api, 42).say(LIFT, NOT_SURE)
    card = await staff(running.api).say("/unanswered", "Unanswered question 1 of 1")
    await running.storage.execute("DELETE FROM unanswered")  # e.g. the client used /forget
    running.api.tap(STAFF_USER, "🙈 Ignore", STAFF_CHAT)
    await running.settle()
    edited = running.api.messages(STAFF_CHAT)[-1]
    assert edited.message_id == card.message_id
    assert "no longer in the list" in edited.text
    assert "No unanswered questions to review" in edited.text
