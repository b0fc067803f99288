"""Phrasings staff taught the bot from the staff chat, and the questions they ignored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.sql import Sql, iso, marks, now_iso


@dataclass(frozen=True)
class LearnedRow:
    """A question staff added to an FAQ entry."""

    id: int
    entry_id: str
    text: str
    merged: bool  # written into the knowledge base file by `faq learned --merge`


class Learned:
    """The learned phrasings and the ignored questions."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def add(self, entry_id: str, text: str) -> bool:
        """Keep a phrasing for an entry; False if it was there already."""
        return bool(
            await self.sql.run(
                "INSERT OR IGNORE INTO learned (entry_id, text, created_at) VALUES (?, ?, ?)",
                (entry_id, text, now_iso()),
            )
        )

    async def all(self) -> list[LearnedRow]:
        """Return every learned phrasing, oldest first."""
        rows = await self.sql.rows(
            "SELECT id, entry_id, text, merged_at IS NOT NULL FROM learned ORDER BY id"
        )
        return [LearnedRow(int(r[0]), str(r[1]), str(r[2]), bool(r[3])) for r in rows]

    async def mark_merged(self, ids: list[int]) -> None:
        """Record that these phrasings are in the knowledge base file now."""
        if ids:
            sql = f"UPDATE learned SET merged_at = ? WHERE id IN ({marks(ids)})"  # noqa: S608
            await self.sql.run(sql, (now_iso(), *ids))

    async def ignore(self, text: str) -> None:
        """Stop offering a question (its lower-cased, trimmed text) to staff."""
        await self.sql.run(
            "INSERT OR REPLACE INTO ignored_questions (text, created_at) VALUES (?, ?)",
            (text, now_iso()),
        )

    async def forget_ignored_older(self, before: datetime) -> int:
        """Delete ignored questions recorded before a time; return how many."""
        return await self.sql.run(
            "DELETE FROM ignored_questions WHERE created_at < ?", (iso(before),)
        )
