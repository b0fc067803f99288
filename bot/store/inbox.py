"""Updates kept from the moment they arrive until they are handled (see telegram/inbox.py)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.store.sql import Sql, marks, now_iso


class Inbox:
    """The inbox table.

    A handled update is forgotten in the next transaction or the delivery worker's next
    round (within a second), not in a write of its own: one write less per update. Until
    then a crash replays it, and its claimed update id stops it being handled twice.
    """

    def __init__(self, sql: Sql) -> None:
        self.sql = sql
        self.handled: list[int] = []  # handled updates whose rows are still there

    async def put(self, update_id: int, payload: str) -> None:
        """Keep an update until it is handled."""
        await self.sql.run(
            "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            (update_id, payload, now_iso()),
        )

    async def put_many(self, updates: Iterable[tuple[int, str]]) -> None:
        """Keep several updates (id and payload) until they are handled, in one write."""
        received = now_iso()
        await self.sql.run_many(
            "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            [(update_id, payload, received) for update_id, payload in updates],
        )

    def done(self, update_id: int) -> None:
        """Note that an update has been handled: its row goes with the next write."""
        self.handled.append(update_id)

    async def forget_handled(self, sql: Sql | None = None) -> list[int]:
        """Delete the rows of the handled updates (in a transaction, given its `sql`).

        Return their ids; if the delete fails they are kept for the next try.
        """
        ids, self.handled = self.handled, []
        if not ids:
            return ids
        try:
            await (sql or self.sql).run(
                f"DELETE FROM inbox WHERE update_id IN ({marks(ids)})",  # noqa: S608
                ids,
            )
        except BaseException:
            self.handled[:0] = ids  # tried again with the next write
            raise
        return ids

    async def pending(self) -> list[str]:
        """Return the updates received but not handled (a crash came between), in order."""
        rows = await self.sql.rows("SELECT payload FROM inbox ORDER BY update_id")
        return [str(r[0]) for r in rows]
