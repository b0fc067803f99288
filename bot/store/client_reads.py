"""What handling a client's message reads first, in one round trip to the database.

It runs for every client message, inside its transaction: claim the update (a redelivery
is not handled twice), then the chat's state and the client's requests and appointments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.store.chats import CHAT_READS, CLAIM, ChatSnapshot
from bot.store.requests import CLIENT_REQUESTS, ClientRecord, client_record
from bot.store.sql import Sql, now_iso


@dataclass(frozen=True)
class Opened:
    """A client's chat and record, read as one of their updates is handled."""

    chat: ChatSnapshot
    record: ClientRecord


class ClientReads:
    """The read at the start of handling a client's update."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def open(self, update_id: int | None, chat_id: int, now: datetime) -> Opened | None:
        """Claim an update and read its chat and client (`now`: which appointments are ahead).

        Return None if the update was handled before (Telegram delivered it again).
        """
        reads = f"{CHAT_READS}, {CLIENT_REQUESTS}"
        chats = (chat_id, chat_id, chat_id, chat_id)
        if update_id is None:
            rows = await self.sql.rows(f"SELECT {reads}", chats)
        else:
            # RETURNING yields no row when the update id was already there.
            rows = await self.sql.rows(f"{CLAIM} RETURNING {reads}", (update_id, now_iso(), *chats))
        for state, undelivered, held, requests in rows:
            chat = ChatSnapshot(None if state is None else str(state), int(undelivered), held > 0)
            return Opened(chat, client_record(json.loads(requests), now))
        return None
