"""A client chats with the bot through Telegram: greeting, answers, suggestions, fallback."""

from __future__ import annotations

from tests.bot.conftest import STAFF_CHAT, Running
from tests.bot.driver import Person, staff

CLIENT = 42


async def test_start_greets_by_name_with_the_clinic_and_the_main_buttons(running: Running) -> None:
    running.api.send_text(CLIENT, "/start", first_name="Maria")
    (greeting,) = await running.api.wait_for_messages(CLIENT, 1)
    assert "Hi Maria" in greeting.text
    assert running.content.clinic.name in greeting.text
    assert greeting.labels() == ["❓ Ask a question", "📅 Book an appointment", "💬 Talk to staff"]


async def test_a_typed_question_gets_the_answer_with_its_follow_up_button(running: Running) -> None:
    running.api.send_text(CLIENT, "how much is a 90 min massage??")
    (answer,) = await running.api.wait_for_messages(CLIENT, 1)
    assert "£90" in answer.text
    assert answer.labels() == ["📅 Book an appointment", "🤔 Not what I asked"]


async def test_not_what_i_asked_logs_the_question_with_the_answer_for_staff(
    running: Running,
) -> None:
    ann = Person(running.api, CLIENT)
    answer = await ann.say("what should i wear for my appointment", "comfortable")
    assert "🤔 Not what I asked" in answer.labels()
    noted = await ann.tap("🤔 Not what I asked", "noted your question")
    assert noted.labels() == ["💬 Talk to staff", "📋 All topics"]
    await ann.tap("💬 Talk to staff", "Type your message for our team")
    await ann.say("I meant what to bring for my son", "Our team will reply")
    card = await staff(running.api).say("/unanswered", "Unanswered question 1 of 1")
    lines = card.text.splitlines()
    assert "“what should i wear for my appointment”" in lines
    assert "⚠️ Answered with “What to wear and bring”; the client said that was not it." in lines
    assert "➕ What to wear and bring" not in card.labels(), "the answer the client said was wrong"
    assert not any("Not what I asked" in m.text for m in running.api.messages(STAFF_CHAT)), (
        "the client's tap is not a message to staff"
    )


async def test_a_vague_question_gets_did_you_mean_buttons_that_answer(running: Running) -> None:
    running.api.send_text(CLIENT, "massage")
    (suggest,) = await running.api.wait_for_messages(CLIENT, 1)
    assert "Did you mean" in suggest.text
    topics = [label for label in suggest.labels() if label != "💬 Talk to staff"]
    assert 1 <= len(topics) <= 3
    running.api.tap(CLIENT, topics[0])
    messages = await running.api.wait_for_messages(CLIENT, 2)
    entry = next(e for e in running.content.kb.entries if e.title == topics[0])
    assert messages[1].text == entry.answer
    await running.api.wait_for_call("answerCallbackQuery")


async def test_an_off_topic_message_gets_the_honest_fallback(running: Running) -> None:
    running.api.send_text(CLIENT, "can you recommend a good pizza place")
    (reply,) = await running.api.wait_for_messages(CLIENT, 1)
    assert "not sure" in reply.text
    assert reply.labels() == ["📋 All topics", "💬 Talk to staff"]
    running.api.tap(CLIENT, "📋 All topics")
    messages = await running.api.wait_for_messages(CLIENT, 2)
    assert len(messages[1].labels()) == len(running.content.kb.entries)


async def test_unanswered_messages_are_logged_for_staff(running: Running) -> None:
    running.api.send_text(CLIENT, "do you sell crystals")
    running.api.send_text(CLIENT, "massage")
    await running.api.wait_for_messages(CLIENT, 2)
    await running.settle()
    rows = await running.storage.fetch_all("SELECT text, best_id, score FROM unanswered")
    assert [r[0] for r in rows] == ["do you sell crystals", "massage"]


async def test_greetings_and_thanks_get_a_friendly_reply_not_an_faq(running: Running) -> None:
    running.api.send_text(CLIENT, "hello!")
    running.api.send_text(CLIENT, "thanks a lot")
    hello, thanks = await running.api.wait_for_messages(CLIENT, 2)
    assert "Hello" in hello.text and "You're welcome" in thanks.text


async def test_stickers_photos_and_voice_get_a_clear_reply(running: Running) -> None:
    for kind in ("sticker", "photo", "voice"):
        running.api.send_media(CLIENT, kind)
    replies = await running.api.wait_for_messages(CLIENT, 3)
    assert all("only read text" in r.text for r in replies)
