"""Staff actions in-process: the real services and storage, a recording sender."""

from __future__ import annotations

from tests.bot.services.conftest import STAFF, STAFF_CHAT, Desk, book


async def test_confirm_updates_the_card_and_tells_the_client(desk: Desk) -> None:
    number = await book(desk)
    card = desk.card(number)
    assert "<b>CLEAR</b>" in card.text
    assert [label for label, _ in card.buttons] == [
        "✅ Confirm", "🩺 Needs doctor's note", "✖️ Decline", "📞 Contacted",
    ]  # fmt: skip
    assert await desk.staff_tap("✅ Confirm", number) == f"✅ Confirmed — request #{number}."
    card = desk.card(number)
    assert "✅ Confirmed by Sam (@sam_desk)" in card.text and card.buttons == []
    told = desk.sender.last(42).text
    assert f"confirmed your appointment request #{number}" in told


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
    assert "client spoken to about the flagged items" in desk.card(number).text
    assert f"confirmed your appointment request #{number}" in desk.sender.last(42).text


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
