"""Writes to the clinic's calendar that have not reached it yet: one per request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.store.sql import Sql, iso


class CalendarAction(StrEnum):
    """What a pending write does to the request's event in the calendar."""

    PUT = "put"  # create or replace it
    REMOVE = "remove"  # delete it


@dataclass(frozen=True)
class CalendarWrite:
    """A write waiting for the calendar; `version` tells it from a later one of its request."""

    request_id: int
    action: CalendarAction
    uid: str
    start: datetime | None
    end: datetime | None
    summary: str
    description: str
    version: int
    tries: int
    next_try: datetime


_COLUMNS = (
    "request_id, action, uid, starts_at, ends_at, summary, description, version, tries, next_try_at"
)


class CalendarWrites:
    """The calendar_writes table."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def put(
        self,
        request_id: int,
        uid: str,
        start: datetime,
        end: datetime,
        summary: str,
        description: str,
        now: datetime,
    ) -> None:
        """Queue the request's event as it is now, replacing any write still waiting."""
        await self._queue(
            request_id, CalendarAction.PUT, uid, iso(start), iso(end), summary, description, now
        )

    async def remove(self, request_id: int, uid: str, now: datetime) -> None:
        """Queue the removal of the request's event, replacing any write still waiting."""
        await self._queue(request_id, CalendarAction.REMOVE, uid, None, None, "", "", now)

    async def _queue(
        self,
        request_id: int,
        action: CalendarAction,
        uid: str,
        starts_at: str | None,
        ends_at: str | None,
        summary: str,
        description: str,
        now: datetime,
    ) -> None:
        await self.sql.run(
            "INSERT INTO calendar_writes "
            "(request_id, action, uid, starts_at, ends_at, summary, description, next_try_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (request_id) DO UPDATE SET action = excluded.action, "
            "uid = excluded.uid, starts_at = excluded.starts_at, ends_at = excluded.ends_at, "
            "summary = excluded.summary, description = excluded.description, "
            "version = calendar_writes.version + 1, tries = 0, "
            "next_try_at = excluded.next_try_at",
            (request_id, action.value, uid, starts_at, ends_at, summary, description, iso(now)),
        )

    async def of(self, request_id: int) -> CalendarWrite | None:
        """Return the request's write still waiting, if there is one."""
        rows = await self.sql.rows(
            f"SELECT {_COLUMNS} FROM calendar_writes WHERE request_id = ?",  # noqa: S608
            (request_id,),
        )
        return _write(rows[0]) if rows else None

    async def due(self, now: datetime, limit: int = 50) -> list[CalendarWrite]:
        """Return the writes whose time to try has come, longest waiting first."""
        rows = await self.sql.rows(
            f"SELECT {_COLUMNS} FROM calendar_writes WHERE next_try_at <= ? "  # noqa: S608
            "ORDER BY next_try_at, request_id LIMIT ?",
            (iso(now), limit),
        )
        return [_write(r) for r in rows]

    async def next_due(self) -> datetime | None:
        """Return when the next write is to be tried, if any waits."""
        rows = await self.sql.rows("SELECT min(next_try_at) FROM calendar_writes")
        return datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    async def done(self, write: CalendarWrite) -> bool:
        """Forget a write the calendar has taken; False if a later one replaced it meanwhile."""
        changed = await self.sql.run(
            "DELETE FROM calendar_writes WHERE request_id = ? AND version = ?",
            (write.request_id, write.version),
        )
        return changed > 0

    async def later(self, write: CalendarWrite, next_try: datetime) -> None:
        """Count a failed try of a write and set when to try it again (unless replaced)."""
        await self.sql.run(
            "UPDATE calendar_writes SET tries = tries + 1, next_try_at = ? "
            "WHERE request_id = ? AND version = ?",
            (iso(next_try), write.request_id, write.version),
        )

    async def count(self) -> int:
        """Return how many writes wait."""
        rows = await self.sql.rows("SELECT count(*) FROM calendar_writes")
        return int(rows[0][0])


def _write(row: aiosqlite.Row) -> CalendarWrite:
    return CalendarWrite(
        request_id=int(row[0]),
        action=CalendarAction(row[1]),
        uid=str(row[2]),
        start=datetime.fromisoformat(row[3]) if row[3] else None,
        end=datetime.fromisoformat(row[4]) if row[4] else None,
        summary=str(row[5]),
        description=str(row[6]),
        version=int(row[7]),
        tries=int(row[8]),
        next_try=datetime.fromisoformat(row[9]),
    )
