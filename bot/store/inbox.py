"""Updates kept from the moment they arrive until they are handled (see telegram/inbox.py)."""

from __future__ import annotations

from bot.store.sql import Sql, now_iso


class Inbox:
    """The inbox table."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def put(self, update_id: int, payload: str) -> None:
        """Keep an update until it is handled."""
        await self.sql.run(
            "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            (update_id, payload, now_iso()),
        )

    async def done(self, update_id: int) -> None:
        """Forget an update that has been handled."""
        await self.sql.run("DELETE FROM inbox WHERE update_id = ?", (update_id,))

    async def pending(self) -> list[str]:
        """Return the updates received but not handled (a crash came between), in order."""
        rows = await self.sql.rows("SELECT payload FROM inbox ORDER BY update_id")
        return [str(r[0]) for r in rows]
