"""A real Bot gets each queued call as its JSON through the public `do_api_request`."""

from __future__ import annotations

from pathlib import Path

from telegram import Bot

from bot.store.database import Storage
from bot.store.outbox import Purpose
from bot.telegram.delivery import Outbox
from tests.bot.fake_bot_api import FakeBotApi

CHAT = 5
BUTTONS = {"inline_keyboard": [[{"callback_data": "book", "text": "Book"}]]}


async def test_queued_calls_reach_the_api_as_their_json(tmp_path: Path) -> None:
    # pytest turns warnings into errors here: python-telegram-bot's "Please use
    # 'Bot.sendMessage'" warning of do_api_request must not be raised at each send (the
    # calls go by their lower-case names, which Telegram takes as the same methods).
    storage = await Storage.open(tmp_path / "outbox.sqlite3")
    try:
        async with FakeBotApi() as api:
            bot = Bot("123:abc", base_url=api.base_url, base_file_url=api.base_file_url)
            async with bot:
                outbox = Outbox(storage, bot)
                for text in ("one", "two"):
                    payload = {"chat_id": CHAT, "text": text, "reply_markup": BUTTONS}
                    await storage.outbox.enqueue(CHAT, "sendMessage", payload, Purpose.REPLY)
                document = {"name": "visit.ics", "text": "BEGIN:VCALENDAR"}
                payload = {"chat_id": CHAT, "document": document, "caption": "Your visit"}
                await storage.outbox.enqueue(CHAT, "sendDocument", payload, Purpose.REPLY)
                assert await outbox.flush() == 3
            sent = api.messages(CHAT)
            assert [m.text for m in sent[:2]] == ["one", "two"]
            assert [m.buttons() for m in sent[:2]] == [[("Book", "book")]] * 2
            assert sent[2].document == b"BEGIN:VCALENDAR"
            assert await storage.outbox.due() == []
    finally:
        await storage.close()
