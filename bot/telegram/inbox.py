"""Updates kept on disk from the moment they arrive until they are handled.

python-telegram-bot tells Telegram it has an update (the next getUpdates offset, or the
webhook's answer) as soon as the update is in its queue, before any handler has run: a
kill between the two lost the update for good. Here the queue's `put` first writes the
update to SQLite, so Telegram is only told once it is on disk; the update processor
deletes it when its handlers are done; at the next start, what a crash left is handled
first. Handlers claim update ids (`processed_updates`), so an update handled just before
a crash is not handled twice.

The rows hold what the client sent, for about a second (or until the start after a crash),
never longer: a handled update's row goes with the next write, or the delivery worker's
next round (see bot/store/inbox.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from typing import Any

from telegram import Bot, Update
from telegram.request import HTTPXRequest

from bot.store.database import Storage

log = logging.getLogger(__name__)


def _json(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class UpdatesRequest(HTTPXRequest):
    """The getUpdates connection (python-telegram-bot's default one), which also keeps each
    update of the last answer as the JSON Telegram sent.

    The inbox then writes that text down instead of turning the parsed `Update` back into
    JSON (`to_dict`, for every update, took more time than handling a FAQ message's SQL).
    The Updater queues all updates of an answer before it asks for the next, so the texts
    of one answer are all that is kept.
    """

    def __init__(self) -> None:
        super().__init__(connection_pool_size=1, http_version="1.1")
        self.texts: dict[int, str] = {}

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        """Parse an answer (python-telegram-bot's way); keep each update's JSON text by id."""
        answer = super().parse_json_payload(payload)
        result = answer.get("result")
        if isinstance(result, list):
            self.texts = {
                item["update_id"]: _json(item)
                for item in result
                if isinstance(item, dict) and isinstance(item.get("update_id"), int)
            }
        return answer


class DurableQueue(asyncio.Queue[object]):
    """The Application's update queue, writing each update down before it is queued."""

    def __init__(self, storage: Storage, received: UpdatesRequest | None = None) -> None:
        super().__init__()
        self.storage = storage
        self.received = received  # the JSON of updates fetched by polling, if known

    async def put(self, item: object) -> None:
        """Queue an update once it is on disk (if the disk refuses, queue it anyway)."""
        if isinstance(item, Update):
            text = self.received.texts.pop(item.update_id, None) if self.received else None
            payload = text if text is not None else _json(item.to_dict())
            try:
                await self.storage.inbox.put(item.update_id, payload)
            except sqlite3.Error as exc:
                log.error("event=inbox_write_failed update_id=%s error=%s", item.update_id, exc)
        await super().put(item)

    async def replay(self, bot: Bot) -> int:
        """Queue again what a crash left unhandled, oldest first; return how many."""
        pending = await self.storage.inbox.pending()
        for payload in pending:
            update = Update.de_json(json.loads(payload), bot)
            if update is not None:
                await super().put(update)
        if pending:
            log.info("event=inbox_replayed updates=%s", len(pending))
        return len(pending)


async def handled(storage: Storage, update: Any) -> None:
    """Forget an update once its handlers are done with it."""
    if isinstance(update, Update):
        storage.inbox.done(update.update_id)
        if storage.checkpoint_after_update:
            try:
                await storage.inbox.forget_handled()
            except sqlite3.Error as exc:
                log.error("event=inbox_delete_failed error=%s", exc)
                return
            # After a deletion (/forget) the update that asked for it was in the database
            # files too, names and all: the write-ahead log is emptied again once it is gone.
            storage.checkpoint_after_update = False
            await storage.checkpoint()
