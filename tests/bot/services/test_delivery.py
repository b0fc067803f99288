"""The delivery worker in-process: per-chat order, retries, alerts first."""

from __future__ import annotations

from bot.store.outbox import Priority, Purpose
from tests.bot.services.conftest import STAFF_CHAT, Desk


async def queue(desk: Desk, chat: int, text: str, priority: Priority = Priority.NORMAL) -> None:
    async with desk.storage.transaction() as tx:
        payload = {"chat_id": chat, "text": text}
        await tx.outbox.enqueue(chat, "sendMessage", payload, Purpose.STAFF, None, priority)


async def test_a_failed_message_holds_back_its_chat_and_goes_once_when_retried(
    desk: Desk,
) -> None:
    desk.outbox.backoff = 0.0  # retry at once
    for text in ("one", "two", "three"):
        await queue(desk, 42, text)
    await queue(desk, 43, "other chat")
    desk.sender.fail_next = 1
    await desk.outbox.flush()
    assert [m.text for m in desk.sender.in_chat(42)] == [], "nothing overtakes the failed one"
    assert [m.text for m in desk.sender.in_chat(43)] == ["other chat"], "other chats go on"
    await desk.outbox.flush()
    await desk.outbox.flush()
    assert [m.text for m in desk.sender.in_chat(42)] == ["one", "two", "three"]
    rows = await desk.storage.fetch_all("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    assert rows[0][0] == 0


async def test_an_alert_goes_ahead_of_what_was_waiting_for_the_staff_chat(desk: Desk) -> None:
    for n in range(3):
        await queue(desk, STAFF_CHAT, f"request {n}")
    await queue(desk, STAFF_CHAT, "URGENT", Priority.ALERT)
    await desk.outbox.flush()
    assert [m.text for m in desk.sender.in_chat(STAFF_CHAT)] == [
        "URGENT", "request 0", "request 1", "request 2",
    ]  # fmt: skip


async def test_a_sent_message_keeps_no_text_in_the_database(desk: Desk) -> None:
    await queue(desk, 42, "your health answers")
    await desk.outbox.flush()
    rows = await desk.storage.fetch_all("SELECT payload, message_id FROM outbox")
    assert [(r[0], r[1]) for r in rows] == [("{}", 1)]
