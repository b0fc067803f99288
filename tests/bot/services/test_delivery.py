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


async def test_many_chats_flushed_at_once_are_each_sent_once_and_recorded_in_few_writes(
    desk: Desk,
) -> None:
    chats = range(100, 160)
    for chat in chats:
        await queue(desk, chat, f"answer for {chat}")
    writes: list[str] = []
    await desk.storage.db.set_trace_callback(
        lambda sql: writes.append(sql) if sql.startswith("UPDATE outbox SET sent_at") else None
    )
    assert await desk.outbox.flush() == len(chats)
    await desk.storage.db.set_trace_callback(None)
    assert sorted(m.chat_id for m in desk.sender.shown) == list(chats), "each once"
    # Each message's Telegram id is recorded against its own row, so a restart sends none
    # of them again and /forget can still delete each one from its chat.
    rows = await desk.storage.fetch_all("SELECT chat_id, message_id, sent_at FROM outbox")
    shown = {m.chat_id: m.message_id for m in desk.sender.shown}
    assert {int(r[0]): r[1] for r in rows} == shown
    assert all(r[2] is not None for r in rows)
    await desk.outbox.flush()
    assert len(desk.sender.shown) == len(chats), "nothing is sent again"
    # (SQLite traces a statement again for each row it returns: count each write once.)
    assert 1 <= len(set(writes)) < len(chats) / 2, "deliveries that finish together share a write"


async def test_a_delivery_whose_row_went_meanwhile_is_told_apart_from_the_others(
    desk: Desk,
) -> None:
    for chat in (1, 2, 3):
        await queue(desk, chat, f"to {chat}")
    items = await desk.storage.outbox.due()
    await desk.storage.execute("DELETE FROM outbox WHERE chat_id = 2")  # e.g. /forget
    recorded = await desk.storage.outbox.mark_sent({item.id: 50 + item.chat_id for item in items})
    assert recorded == {items[0].id, items[2].id}
    rows = await desk.storage.fetch_all("SELECT chat_id, message_id FROM outbox ORDER BY chat_id")
    assert [(r[0], r[1]) for r in rows] == [(1, 51), (3, 53)]
