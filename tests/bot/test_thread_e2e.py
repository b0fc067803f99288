"""A conversation with staff through Telegram: out of hours, a thread in both directions."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.bot.conftest import STAFF_CHAT, STAFF_USER, Clock, Running
from tests.bot.driver import Person, book
from tests.bot.fake_bot_api import SentMessage

ASK = "Type your message for our team"


async def test_talk_to_staff_on_a_sunday_says_the_team_replies_on_monday(
    clocked: Running, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)  # Sunday: the demo clinic is closed
    ann = Person(clocked.api, 42, "Ann")
    ask = await ann.say("/staff", ASK)
    assert "We're closed now; the team will reply when we open tomorrow at 09:00." in ask.text
    clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday morning: open
    again = await ann.say("/staff", ASK)
    assert "closed" not in again.text


SENT = "Sent ✅"
FROM_TEAM = "From the Knot Free Clinic (demo) team"
CLOSE = "✖️ Close conversation"


def staff_reply(running: Running, to: SentMessage, text: str) -> int:
    """Staff answer a message in the staff chat with Telegram's reply; return the mark."""
    mark = running.api.version
    running.api.send_text(STAFF_USER, text, chat_id=STAFF_CHAT, first_name="Sam", reply_to=to)
    return mark


def client_reply(running: Running, client: Person, to: SentMessage, text: str) -> int:
    """The client answers a message in their chat with Telegram's reply; return the mark."""
    mark = running.api.version
    running.api.send_text(client.user_id, text, first_name=client.first_name, reply_to=to)
    return mark


async def test_a_three_message_thread_both_ways_with_a_telegram_reply(running: Running) -> None:
    api = running.api
    ann = Person(api, 42, "Ann", username="ann_tg")
    ask = await ann.say("/staff", ASK)
    assert "type “menu”" in ask.text and ask.labels() == ["🤖 Back to the assistant"]
    await ann.say("Can I move my Saturday slot?", SENT)
    first = await api.wait_for_text(STAFF_CHAT, "Can I move my Saturday slot?")
    assert "tg://user?id=42" in first.text and "@ann_tg" in first.text
    assert first.labels() == [CLOSE]

    # Staff 1 → client; client 2 (typed, not a reply) → staff.
    mark = staff_reply(running, first, "We can do Saturday 10am or 2pm, which suits?")
    answer = await api.wait_for_text(ann.chat, "10am or 2pm", mark)
    assert FROM_TEAM in answer.text
    assert "I'm not sure" not in answer.text
    await ann.say("2pm please", SENT)
    second = await api.wait_for_text(STAFF_CHAT, "2pm please")
    assert "Message from" in second.text

    # Staff 2 → client; client 3, a Telegram reply to it → staff.
    mark = staff_reply(running, second, "Done, see you at 2pm on Saturday.")
    booked = await api.wait_for_text(ann.chat, "see you at 2pm", mark)
    mark = client_reply(running, ann, booked, "Saturday 10am works too if easier")
    await api.wait_for_text(STAFF_CHAT, "Saturday 10am works too", mark)
    # A question in the thread goes to the team, not the FAQ (nor the opening hours).
    mark = api.version
    await ann.say("and are you open on sunday?", SENT)
    await api.wait_for_text(STAFF_CHAT, "are you open on sunday?", mark)
    await running.settle()
    assert not any("closed" in m.text.lower() for m in api.messages(ann.chat)[-2:])

    # Staff 3 closes the thread: the client is told, the assistant answers again.
    mark = api.version
    api.tap(STAFF_USER, CLOSE, STAFF_CHAT, first_name="Sam")
    await api.wait_for_text(ann.chat, "closed this conversation", mark)
    price = await ann.say("how much is an hour?", "£65")
    assert FROM_TEAM not in price.text
    await running.settle()
    staff_texts = [m.text for m in api.messages(STAFF_CHAT)]
    assert not any("how much is an hour" in t for t in staff_texts)
    closed = next(m for m in api.messages(STAFF_CHAT) if m.message_id == first.message_id)
    assert closed.labels() == [CLOSE], "only the tapped message loses its button"
    tapped = [m for m in api.messages(STAFF_CHAT) if "are you open on sunday" in m.text]
    assert tapped[-1].labels() == []


async def test_once_staff_write_to_an_idle_client_their_next_messages_reach_staff(
    running: Running,
) -> None:
    api = running.api
    ann = Person(api, 42, "Ann")
    await book(ann)
    card = await api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    mark = staff_reply(running, card, "We can do Saturday 10am or 2pm, which suits?")
    offer = await api.wait_for_text(ann.chat, "10am or 2pm", mark)
    assert "your messages now go to our team" in offer.text
    assert offer.labels() == ["🤖 Back to the assistant"]
    # The example: these got "not sure" and the opening hours.
    await ann.say("Saturday 10am works", SENT)
    note = await api.wait_for_text(STAFF_CHAT, "Saturday 10am works")
    assert "open request #1" in note.text and "Ann" in note.text
    left = await ann.say("menu", "back with me")
    assert "💬 Talk to staff" in left.labels()
    await ann.say("are you open on saturday?", "Saturday we're open")


async def test_a_telegram_reply_to_staff_mid_booking_reaches_staff_and_the_step_goes_on(
    running: Running,
) -> None:
    api = running.api
    ann = Person(api, 42, "Ann")
    await ann.say("/staff", ASK)
    await ann.say("is Saturday free?", SENT)
    note = await api.wait_for_text(STAFF_CHAT, "is Saturday free?")
    await book(ann, send=False)
    mark = staff_reply(running, note, "Yes, Saturday is free.")
    said = await api.wait_for_text(ann.chat, "Saturday is free", mark)
    assert "reply to this message" in said.text, "mid-request: how to answer them"
    mark = client_reply(running, ann, said, "great, 2pm please")
    await api.wait_for_text(STAFF_CHAT, "great, 2pm please", mark)
    again = await api.wait_for_text(ann.chat, "Here's your request", mark)
    assert "✅ Send request" in again.labels(), "the summary is shown again, unchanged"
    await ann.tap("✅ Send request", "is with our team")


async def test_a_thread_quiet_for_the_clinic_setting_ends_and_the_assistant_answers(
    clocked: Running, clock: Clock
) -> None:
    api = clocked.api
    ann = Person(api, 42, "Ann")
    await ann.say("/staff", ASK)
    await ann.say("can I bring a friend?", SENT)
    note = await api.wait_for_text(STAFF_CHAT, "can I bring a friend?")
    clock.advance(hours=2)
    mark = staff_reply(clocked, note, "Of course!")
    await api.wait_for_text(ann.chat, "Of course!", mark)
    clock.advance(hours=11, minutes=59)  # 14 hours after the client wrote, under 12 after staff
    await ann.say("thank you so much", SENT)
    await api.wait_for_text(STAFF_CHAT, "thank you so much")
    clock.advance(hours=12)
    mark = api.version
    answer = await ann.say("how much is an hour?", "£65")
    assert "It's been a while" in api.messages(ann.chat)[-2].text
    await clocked.settle()
    assert not any(m.version > mark for m in api.messages(STAFF_CHAT))
    # Staff writing again opens a new thread.
    mark = staff_reply(clocked, note, "Anything else?")
    reopened = await api.wait_for_text(ann.chat, "Anything else?", mark)
    assert "your messages now go to our team" in reopened.text
    assert answer.labels()


async def test_in_a_thread_the_safety_check_runs_first_and_staff_never_see_the_words(
    running: Running,
) -> None:
    api = running.api
    ann = Person(api, 42, "Ann")
    await ann.say("/staff", ASK)
    await ann.say("I have crushing chest pain right now", "999")
    alert = await api.wait_for_text(STAFF_CHAT, "URGENT alert")
    await running.settle()
    assert all("crushing" not in m.text for m in api.messages(STAFF_CHAT))
    assert "crushing" not in alert.text
    await ann.say("my daughter will come with me", SENT)
    await api.wait_for_text(STAFF_CHAT, "my daughter will come with me")


async def test_the_per_client_staff_cap_still_applies_in_a_thread(running: Running) -> None:
    api = running.api
    ann = Person(api, 42, "Ann")
    await ann.say("/staff", ASK)
    for n in range(10):
        await ann.say(f"note number {n}", SENT)
    capped = await ann.say("note number 10", "already has your messages")
    assert SENT not in capped.text
    await running.settle()
    assert not any("note number 10" in m.text for m in api.messages(STAFF_CHAT))
