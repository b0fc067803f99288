"""A client's own requests through Telegram: /status, withdrawing one, /book again."""

from __future__ import annotations

from tests.bot.conftest import STAFF_CHAT, Running
from tests.bot.driver import Person, book, confirm, staff


def client(running: Running) -> Person:
    return Person(running.api, 42, "Ann", username="ann_tg")


async def test_status_and_did_you_get_my_request_list_open_requests_with_their_status(
    running: Running,
) -> None:
    ann = client(running)
    none = await ann.say("/status", "can't see an open request")
    assert none.labels() == ["📅 Book an appointment"]
    await book(ann)
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    listing = await ann.say("did you get my request?", "Here's where your requests stand")
    assert "#1 appointment request: with our team" in listing.text
    assert listing.labels() == ["↩️ Withdraw #1", "💬 Talk to staff"]
    await staff(running.api).tap("🩺 Needs doctor's note", "Doctor's note asked for by Sam")
    later = await ann.say("/status", "Here's where your requests stand")
    assert "#1 appointment request: waiting for a note from your doctor" in later.text
    await confirm(staff(running.api), 1)
    booked = await ann.say("/status", "Here's where your requests stand")
    assert "#1 🗓" in booked.text and "confirmed" in booked.text, "the appointment ahead"
    assert booked.labels() == ["❌ Cancel #1", "🔁 Move #1", "💬 Talk to staff"]


async def test_withdrawing_a_request_tells_staff_and_updates_the_card(running: Running) -> None:
    api = running.api
    ann = client(running)
    await book(ann)
    card = await api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    await ann.say("I want to cancel my request", "Here's where your requests stand")
    ask = await ann.tap("↩️ Withdraw #1", "Withdraw request #1?")
    assert ask.labels() == ["Yes, withdraw it", "No, keep it"]
    mark = api.version
    await ann.tap("Yes, withdraw it", "request #1 is withdrawn")
    await api.wait_for_text(STAFF_CHAT, "The client withdrew request #1.", mark)
    edited = await api.wait_for_text(STAFF_CHAT, "Withdrawn by the client", mark)
    assert edited.message_id == card.message_id and edited.labels() == []
    rows = await running.storage.fetch_all("SELECT status FROM requests")
    assert [r[0] for r in rows] == ["withdrawn"]
    # A staff tap on an old copy of the buttons changes nothing, and the client hears nothing.
    running.api.press(900, "st:1:confirm", card, first_name="Sam")
    await running.settle()
    rows = await running.storage.fetch_all("SELECT status FROM requests")
    assert [r[0] for r in rows] == ["withdrawn"]
    assert not any("confirmed your appointment" in m.text for m in api.messages(ann.chat))
    await ann.say("/status", "can't see an open request")


async def test_keeping_a_request_changes_nothing(running: Running) -> None:
    ann = client(running)
    await book(ann)
    await ann.say("/status", "Here's where your requests stand")
    await ann.tap("↩️ Withdraw #1", "Withdraw request #1?")
    await ann.tap("No, keep it", "nothing has changed")
    await running.settle()
    rows = await running.storage.fetch_all("SELECT status FROM requests")
    assert [r[0] for r in rows] == ["open"]


async def test_book_with_a_request_open_asks_and_a_second_reuses_name_and_phone(
    running: Running,
) -> None:
    await running.stop()
    running.options = {"flood_limit": (1000, 10.0)}  # two bookings take more than 20 taps
    await running.start()
    api = running.api
    ann = client(running)
    await book(ann)
    asked = await ann.say("/book", "You already have request #1")
    assert asked.labels() == ["➕ Add another request", "✏️ Change #1", "Leave it as it is"]
    await ann.tap("➕ Add another request", "Do you agree?")
    await ann.tap("✅ I agree", "Health check (1 of 4)")
    for group in range(4):
        following = f"Health check ({group + 2} of 4)" if group < 3 else "What name"
        await ann.tap("None of these", following)
    name = api.last_message(ann.chat)
    assert "Last time you gave Ann, 07700 900123" in name.text
    await ann.tap("↩️ Use the same name and phone", "Which session would you like?")
    await ann.tap("🤔 Not sure yet", "When would suit you?")
    await ann.tap("Saturdays", "When would suit you?")
    await ann.tap("Done ➡️", "What would you like us to work on?")
    await ann.tap("Skip ➡️", "Here's your request")
    await ann.tap("✅ Send request", "request #2 is with our team")
    second = await api.wait_for_text(STAFF_CHAT, "Appointment request #2")
    assert "Name: Ann" in second.text and "07700 900123" in second.text


async def test_change_from_book_again_passes_the_change_to_staff(running: Running) -> None:
    api = running.api
    ann = client(running)
    await book(ann)
    await ann.say("/book", "You already have request #1")
    await ann.tap("✏️ Change #1", "what you'd like to change about request #1")
    await ann.say("Saturdays instead of evenings please", "Sent ✅")
    note = await api.wait_for_text(STAFF_CHAT, "Saturdays instead of evenings")
    assert "open request #1" in note.text
    rows = await running.storage.fetch_all("SELECT count(*) FROM requests")
    assert rows[0][0] == 1, "no second request"
    await ann.say("/book", "You already have request #1")
    await ann.tap("Leave it as it is", "nothing has changed")
