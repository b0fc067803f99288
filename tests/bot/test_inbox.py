"""The inbox writes down each polled answer as the JSON Telegram sent, and replays it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from telegram import Bot, Update

from bot.store.database import Storage
from bot.telegram.inbox import DurableQueue, UpdatesRequest
from tests.bot.fake_bot_api import FakeBotApi

TOKEN = "123456:TEST-token-for-the-fake-server-only"

UPDATE = {
    "update_id": 41,
    "message": {
        "message_id": 3,
        "date": 1765100000,
        "chat": {"id": 5, "type": "private", "first_name": "Ann"},
        "from": {"id": 5, "is_bot": False, "first_name": "Ann"},
        "text": "how much is an hour? ✨",
    },
}


async def test_a_polled_update_is_kept_as_sent_and_replays_the_same(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "inbox.sqlite3")
    try:
        received = UpdatesRequest()
        answer = received.parse_json_payload(json.dumps({"ok": True, "result": [UPDATE]}).encode())
        bot = Bot("123:abc")
        update = Update.de_json(answer["result"][0], bot)
        queue = DurableQueue(storage, received)
        await queue.put(update)
        assert received.texts == {}, "the text is used once, then let go"
        (payload,) = await storage.inbox.pending()
        assert json.loads(payload) == UPDATE
        assert "✨" in payload
        after_a_crash = DurableQueue(storage)
        assert await after_a_crash.replay(bot) == 1
        replayed = await after_a_crash.get()
        assert isinstance(replayed, Update) and replayed.to_dict() == update.to_dict()
    finally:
        await storage.close()


async def test_an_update_not_polled_is_written_from_its_fields(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "inbox.sqlite3")
    try:
        bot = Bot("123:abc")
        update = Update.de_json(UPDATE, bot)
        queue = DurableQueue(storage, UpdatesRequest())  # e.g. a webhook's update
        await queue.put(update)
        (payload,) = await storage.inbox.pending()
        assert Update.de_json(json.loads(payload), bot) == update
    finally:
        await storage.close()


async def _poll(api: FakeBotApi, received: UpdatesRequest) -> tuple[Update, ...]:
    """One getUpdates over real HTTP, through the bot's getUpdates connection."""
    async with Bot(TOKEN, base_url=api.base_url, get_updates_request=received) as bot:
        return await bot.get_updates(timeout=0)


async def test_a_polled_answer_is_on_disk_before_any_of_its_updates_is_queued(
    tmp_path: Path,
) -> None:
    storage = await Storage.open(tmp_path / "inbox.sqlite3")
    try:
        async with FakeBotApi() as api:
            for n in range(3):
                api.send_text(5, f"question {n}")
            received = UpdatesRequest(storage.inbox)
            updates = await _poll(api, received)
        assert len(updates) == 3
        # Nothing is queued yet, and a kill now would lose nothing: all three are written.
        texts = [json.loads(p)["message"]["text"] for p in await storage.inbox.pending()]
        assert texts == ["question 0", "question 1", "question 2"]
        queue = DurableQueue(storage, received)
        for update in updates:
            await queue.put(update)
        assert queue.qsize() == 3
        assert len(await storage.inbox.pending()) == 3, "each update is written once"
    finally:
        await storage.close()


async def test_when_the_answer_cannot_be_written_whole_each_update_is_written_as_queued(
    tmp_path: Path,
) -> None:
    storage = await Storage.open(tmp_path / "inbox.sqlite3")
    try:
        # The disk refuses one of the updates: the answer's single write fails with it.
        await storage.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON inbox WHEN NEW.payload LIKE '%question 1%' "
            "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        )
        async with FakeBotApi() as api:
            for n in range(3):
                api.send_text(5, f"question {n}")
            received = UpdatesRequest(storage.inbox)
            updates = await _poll(api, received)
        assert len(updates) == 3, "a failed write does not hold the answer back"
        queue = DurableQueue(storage, received)
        for update in updates:
            await queue.put(update)
        assert queue.qsize() == 3, "every update is still handled"
        texts = [json.loads(p)["message"]["text"] for p in await storage.inbox.pending()]
        assert texts == ["question 0", "question 2"]
    finally:
        await storage.close()


async def test_polling_waits_while_too_many_updates_are_still_to_be_handled(
    tmp_path: Path,
) -> None:
    storage = await Storage.open(tmp_path / "inbox.sqlite3")
    try:
        bot = Bot("123:abc")
        received = UpdatesRequest(storage.inbox)
        queue = DurableQueue(storage, received)
        queue.limit = 2
        updates = [Update.de_json({**UPDATE, "update_id": n}, bot) for n in (1, 2)]
        for update in updates:
            await queue.put(update)
        assert received.room is not None
        asking = asyncio.ensure_future(received.room())
        await asyncio.sleep(0.05)
        assert not asking.done(), "no more is fetched while two wait"
        queue.finished(updates[0])
        await asyncio.wait_for(asking, 1)  # one handled: polling goes on
    finally:
        await storage.close()
