"""Questions the bot could not answer confidently, for staff to review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.sql import Sql, iso, now_iso

# Questions the bot could not answer are kept this long at most (characters).
UNANSWERED_MAX = 300


@dataclass(frozen=True)
class Missed:
    """A question as staff see it in /unanswered (the same words asked `count` times)."""

    id: int  # one of its rows, to name the question on a staff button
    text: str
    count: int
    best_guess: str | None  # the nearest FAQ, when none was given
    answered: str | None  # the FAQ given, when the client said it was not what they asked


class Unanswered:
    """The unanswered log."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def log(
        self,
        chat_id: int,
        text: str,
        best_id: str | None,
        score: float,
        answered: str | None = None,
    ) -> None:
        """Keep a message the bot could not answer confidently (or, with `answered`, the
        FAQ it gave to a question the client said it did not ask)."""
        await self.sql.run(
            "INSERT INTO unanswered (chat_id, text, best_id, score, created_at, answered) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (chat_id, text[:UNANSWERED_MAX], best_id, score, now_iso(), answered),
        )

    async def most_frequent(self, limit: int) -> list[Missed]:
        """Return the most frequent questions, unanswered and wrongly answered together,
        leaving out those staff chose to ignore."""
        rows = await self.sql.rows(
            "SELECT max(id), lower(trim(text)) AS t, count(*) AS n, max(best_id), max(answered) "
            "FROM unanswered WHERE lower(trim(text)) NOT IN (SELECT text FROM ignored_questions) "
            "GROUP BY t ORDER BY n DESC, max(created_at) DESC, max(id) DESC LIMIT ?",
            (limit,),
        )
        return [Missed(int(r[0]), str(r[1]), int(r[2]), r[3], r[4]) for r in rows]

    async def text_of(self, question_id: int) -> str | None:
        """Return the (lower-cased, trimmed) words of a question named by one of its rows."""
        rows = await self.sql.rows(
            "SELECT lower(trim(text)) FROM unanswered WHERE id = ?", (question_id,)
        )
        return str(rows[0][0]) if rows else None

    async def drop(self, text: str) -> int:
        """Delete every row of a question (lower-cased, trimmed words); return how many."""
        return await self.sql.run("DELETE FROM unanswered WHERE lower(trim(text)) = ?", (text,))

    async def forget_chat(self, chat_id: int) -> None:
        """Delete a client's questions."""
        await self.sql.run("DELETE FROM unanswered WHERE chat_id = ?", (chat_id,))

    async def forget_older(self, before: datetime) -> int:
        """Delete questions logged before a time; return how many."""
        return await self.sql.run("DELETE FROM unanswered WHERE created_at < ?", (iso(before),))
