"""A client's chat: its conversation state, its booking hold, its messages to staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.sql import Sql, iso, now_iso

# A chat's state, how many of its outbox items still wait to be sent, and its hold.
CHAT_READS = (
    "(SELECT state FROM conversations WHERE chat_id = ?), "
    "(SELECT count(*) FROM outbox WHERE chat_id = ? AND sent_at IS NULL AND gave_up_at IS NULL), "
    "(SELECT count(*) FROM holds WHERE chat_id = ?)"
)
# Record an update as handled; ignored when Telegram delivers the same update again.
CLAIM = "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)"


@dataclass(frozen=True)
class ChatSnapshot:
    """A chat's stored state, read at the start of handling one of its updates."""

    state: str | None
    undelivered: int  # outbox items of the chat that were queued before and are not yet sent
    held: bool = False  # booking waits until staff have spoken to the client


class Chats:
    """Conversation state, holds, handled updates and the per-client staff quota."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def claim_update(self, update_id: int) -> bool:
        """Record an update as handled; False if it was handled before (a redelivery)."""
        return await self.sql.run(CLAIM, (update_id, now_iso())) == 1

    async def load_state(self, chat_id: int) -> str | None:
        """Return the stored conversation state of a chat."""
        rows = await self.sql.rows("SELECT state FROM conversations WHERE chat_id = ?", (chat_id,))
        return next((str(row[0]) for row in rows), None)

    async def save_state(self, chat_id: int, state: str) -> None:
        """Store a chat's conversation state."""
        await self.sql.run(
            "INSERT INTO conversations (chat_id, state, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (chat_id) DO UPDATE SET state = excluded.state, "
            "updated_at = excluded.updated_at",
            (chat_id, state, now_iso()),
        )

    async def forget_state(self, chat_id: int) -> None:
        """Delete a chat's conversation state."""
        await self.sql.run("DELETE FROM conversations WHERE chat_id = ?", (chat_id,))

    async def forget_idle(self, before: datetime) -> int:
        """Delete the conversations untouched since a time; return how many."""
        return await self.sql.run("DELETE FROM conversations WHERE updated_at < ?", (iso(before),))

    async def forget_updates(self, before: datetime) -> int:
        """Forget which updates were handled before a time (Telegram resends within hours)."""
        return await self.sql.run(
            "DELETE FROM processed_updates WHERE processed_at < ?", (iso(before),)
        )

    async def hold(self, chat_id: int, request_id: int | None) -> None:
        """Hold a client's booking until staff have spoken to them."""
        await self.sql.run(
            "INSERT OR IGNORE INTO holds (chat_id, request_id, created_at) VALUES (?, ?, ?)",
            (chat_id, request_id, now_iso()),
        )

    async def release_hold(self, chat_id: int) -> None:
        """Let a client book again (staff have spoken to them)."""
        await self.sql.run("DELETE FROM holds WHERE chat_id = ?", (chat_id,))

    async def held_request(self, chat_id: int) -> int | None:
        """Return the alert behind a client's hold, if they are held."""
        rows = await self.sql.rows("SELECT request_id FROM holds WHERE chat_id = ?", (chat_id,))
        return next((None if r[0] is None else int(r[0]) for r in rows), None)

    async def staff_messages_since(self, chat_id: int, since: datetime) -> int:
        """Count a client's messages to staff since a time (forgetting older counts)."""
        cutoff = iso(since)
        await self.sql.run("DELETE FROM staff_quota WHERE created_at < ?", (cutoff,))
        rows = await self.sql.rows("SELECT count(*) FROM staff_quota WHERE chat_id = ?", (chat_id,))
        return next((int(r[0]) for r in rows), 0)

    async def count_staff_messages(self, chat_id: int, count: int) -> None:
        """Count messages a client sends to staff, against the per-client cap."""
        now = now_iso()
        await self.sql.run_many(
            "INSERT INTO staff_quota (chat_id, created_at) VALUES (?, ?)", [(chat_id, now)] * count
        )
