"""Messages between a client and staff (the client's, and staff replies)."""

from __future__ import annotations

from datetime import datetime

from bot.store.sql import Sql, iso, marks, now_iso


class Handoffs:
    """The handoff table: kept for the retention period, deleted by /forget."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def add(self, chat_id: int, direction: str, text: str) -> int:
        """Store a message between a client and staff; return its id."""
        return await self.sql.insert(
            "INSERT INTO handoff (chat_id, direction, text, created_at) VALUES (?, ?, ?, ?)",
            (chat_id, direction, text, now_iso()),
        )

    async def chat_of(self, handoff_id: int) -> int | None:
        """Return the client chat a message with staff belongs to."""
        rows = await self.sql.rows("SELECT chat_id FROM handoff WHERE id = ?", (handoff_id,))
        return next((int(r[0]) for r in rows), None)

    async def of_chat(self, chat_id: int) -> list[int]:
        """Return the ids of a client's messages with staff."""
        rows = await self.sql.rows("SELECT id FROM handoff WHERE chat_id = ?", (chat_id,))
        return [int(r[0]) for r in rows]

    async def older_than(self, before: datetime) -> list[int]:
        """Return the ids of messages stored before a time."""
        rows = await self.sql.rows("SELECT id FROM handoff WHERE created_at < ?", (iso(before),))
        return [int(r[0]) for r in rows]

    async def delete(self, ids: list[int]) -> None:
        """Delete these messages."""
        if ids:
            await self.sql.run(f"DELETE FROM handoff WHERE id IN ({marks(ids)})", ids)  # noqa: S608
