"""Questions the bot could not answer confidently, for staff to review."""

from __future__ import annotations

from datetime import datetime

from bot.store.sql import Sql, iso, now_iso

# Questions the bot could not answer are kept this long at most (characters).
UNANSWERED_MAX = 300


class Unanswered:
    """The unanswered log."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def log(self, chat_id: int, text: str, best_id: str | None, score: float) -> None:
        """Keep a message the bot could not answer confidently."""
        await self.sql.run(
            "INSERT INTO unanswered (chat_id, text, best_id, score, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (chat_id, text[:UNANSWERED_MAX], best_id, score, now_iso()),
        )

    async def most_frequent(self, limit: int) -> list[tuple[str, int, str | None]]:
        """Return the most frequent questions: text, count, best guess."""
        rows = await self.sql.rows(
            "SELECT lower(trim(text)) AS t, count(*) AS n, max(best_id) FROM unanswered "
            "GROUP BY t ORDER BY n DESC, max(created_at) DESC LIMIT ?",
            (limit,),
        )
        return [(str(r[0]), int(r[1]), r[2]) for r in rows]

    async def forget_chat(self, chat_id: int) -> None:
        """Delete a client's questions."""
        await self.sql.run("DELETE FROM unanswered WHERE chat_id = ?", (chat_id,))

    async def forget_older(self, before: datetime) -> int:
        """Delete questions logged before a time; return how many."""
        return await self.sql.run("DELETE FROM unanswered WHERE created_at < ?", (iso(before),))
