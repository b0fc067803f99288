"""Which staff-chat messages are about which request or client message.

Rows are added by a trigger when a request or handoff message is delivered (see
schema.py), and kept as long as what they are about.
"""

from __future__ import annotations

from enum import StrEnum

from bot.store.sql import Sql


class About(StrEnum):
    """What a staff-chat message shows."""

    REQUEST = "request"
    HANDOFF = "handoff"


class StaffMessages:
    """The staff_messages table."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def of(self, about: About, ref: int) -> list[tuple[int, int]]:
        """Return the staff-chat messages (chat, message id) about one request or handoff."""
        rows = await self.sql.rows(
            "SELECT chat_id, message_id FROM staff_messages WHERE kind = ? AND ref = ? "
            "ORDER BY rowid",
            (about.value, ref),
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    async def forget(self, about: About, ref: int) -> None:
        """Forget the staff-chat messages about one request or handoff."""
        await self.sql.run(
            "DELETE FROM staff_messages WHERE kind = ? AND ref = ?", (about.value, ref)
        )

    async def client_of(self, staff_chat: int, message_id: int) -> int | None:
        """Return the client chat a staff-chat message was about (a request or a handoff)."""
        rows = await self.sql.rows(
            "SELECT coalesce(r.chat_id, h.chat_id) FROM staff_messages m "
            "LEFT JOIN requests r ON m.kind = 'request' AND r.id = m.ref "
            "LEFT JOIN handoff h ON m.kind = 'handoff' AND h.id = m.ref "
            "WHERE m.chat_id = ? AND m.message_id = ?",
            (staff_chat, message_id),
        )
        return next((int(r[0]) for r in rows if r[0] is not None), None)

    async def latest(self, staff_chat: int) -> int | None:
        """Return the newest staff-chat message that is about a client (request or handoff)."""
        rows = await self.sql.rows(
            "SELECT message_id FROM staff_messages WHERE chat_id = ? ORDER BY rowid DESC LIMIT 1",
            (staff_chat,),
        )
        return next((int(r[0]) for r in rows), None)
