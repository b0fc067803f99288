"""The inbox writes down each polled update as the JSON Telegram sent, and replays it."""

from __future__ import annotations

import json
from pathlib import Path

from telegram import Bot, Update

from bot.store.database import Storage
from bot.telegram.inbox import DurableQueue, UpdatesRequest

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
