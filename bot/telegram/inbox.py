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
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from telegram import Bot, Update
from telegram.request import HTTPXRequest

from bot.store.database import Storage
from bot.store.inbox import Inbox

log = logging.getLogger(__name__)
# Updates fetched and not yet handled, at most (the 64 handled at once and about one
# getUpdates answer more): beyond, polling waits. Without a limit, a burst of clients
# filled the memory with queued updates.
MAX_UNHANDLED = 128


def _json(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class UpdatesRequest(HTTPXRequest):
    """The getUpdates connection (python-telegram-bot's default one), which writes each
    answer's updates to the inbox in one go, as the JSON Telegram sent.

    The whole answer is on disk before python-telegram-bot sees it, so before it queues
    the updates and tells Telegram it has them: one write per answer (up to 100 updates)
    instead of one per update, each waiting its turn for the database. Writing the text
    Telegram sent saves turning each parsed `Update` back into JSON (`to_dict` took more
    time than a FAQ message's SQL). If the write fails, the queue writes each update as it
    comes (see `DurableQueue.put`).
    """

    def __init__(self, inbox: Inbox | None = None) -> None:
        super().__init__(connection_pool_size=1, http_version="1.1")
        self.inbox = inbox
        # Set by the queue: waits while it holds too many updates not yet handled.
        self.room: Callable[[], Awaitable[object]] | None = None
        self.texts: dict[int, str] = {}  # the last answer's updates not yet on disk, by id
        self.stored: set[int] = set()  # the last answer's updates on disk already
        self._parsed: tuple[bytes, dict[str, Any]] | None = None

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        """Fetch an answer; write its updates to the inbox before anyone else sees it.

        While the bot has many updates still to handle, it waits before it asks for more:
        the rest wait at Telegram, not as objects in the bot's memory.
        """
        if self.room is not None:
            await self.room()
        code, payload = await super().do_request(url, method, *args, **kwargs)
        if code == HTTPStatus.OK and self.inbox is not None:
            self.parse_json_payload(payload)  # kept for python-telegram-bot's own parse
            if self.texts:
                try:
                    await self.inbox.put_many(self.texts.items())
                except sqlite3.Error as exc:
                    log.error("event=inbox_write_failed updates=%s error=%s", len(self.texts), exc)
                else:
                    self.stored, self.texts = set(self.texts), {}
        return code, payload

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        """Parse an answer (python-telegram-bot's way); keep each update's JSON text by id."""
        if self._parsed is not None and self._parsed[0] is payload:
            answer, self._parsed = self._parsed[1], None  # parsed as it came in: let it go
            return answer
        answer = super().parse_json_payload(payload)
        result = answer.get("result")
        if isinstance(result, list):
            self.stored = set()
            self.texts = {
                item["update_id"]: _json(item)
                for item in result
                if isinstance(item, dict) and isinstance(item.get("update_id"), int)
            }
        self._parsed = (payload, answer)  # for python-telegram-bot's own parse, next
        return answer


class DurableQueue(asyncio.Queue[object]):
    """The Application's update queue, writing each update down before it is queued."""

    def __init__(self, storage: Storage, received: UpdatesRequest | None = None) -> None:
        super().__init__()
        self.storage = storage
        self.received = received  # the JSON of updates fetched by polling, if known
        # Updates queued and not yet handled; polling waits while there are `limit` of them.
        self.unhandled = 0
        self.limit = MAX_UNHANDLED
        self._room = asyncio.Event()
        self._room.set()
        if received is not None:
            received.room = self._room.wait

    def finished(self, update: object) -> None:
        """Note that an update's handling is over (however it ended)."""
        if isinstance(update, Update):
            self.unhandled -= 1
            if self.unhandled < self.limit:
                self._room.set()

    async def _enqueue(self, update: Update) -> None:
        self.unhandled += 1
        if self.unhandled >= self.limit:
            self._room.clear()
        await super().put(update)

    async def put(self, item: object) -> None:
        """Queue an update once it is on disk (if the disk refuses, queue it anyway)."""
        if isinstance(item, Update):
            if self.received is not None and item.update_id in self.received.stored:
                self.received.stored.discard(item.update_id)  # its answer was written whole
                await self._enqueue(item)
                return
            text = self.received.texts.pop(item.update_id, None) if self.received else None
            payload = text if text is not None else _json(item.to_dict())
            try:
                await self.storage.inbox.put(item.update_id, payload)
            except sqlite3.Error as exc:
                log.error("event=inbox_write_failed update_id=%s error=%s", item.update_id, exc)
            await self._enqueue(item)
            return
        await super().put(item)

    async def replay(self, bot: Bot) -> int:
        """Queue again what a crash left unhandled, oldest first; return how many."""
        pending = await self.storage.inbox.pending()
        for payload in pending:
            update = Update.de_json(json.loads(payload), bot)
            if update is not None:
                await self._enqueue(update)
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
