"""Confirmed appointments: a booking's time, who confirmed it, and the busy times they make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.store.sql import Sql, iso, marks, now_iso


@dataclass(frozen=True)
class AppointmentRow:
    """A booking's confirmed time."""

    request_id: int
    start: datetime
    minutes: int
    confirmed_by: str
    confirmed_at: datetime


@dataclass(frozen=True)
class Booked:
    """A confirmed appointment as the day's list shows it."""

    request_id: int
    start: datetime
    minutes: int
    name: str
    level: str
    service: str = ""


# A confirmed appointment with what the lists show of its request (see `_booked`), and
# its client's chat last.
_BOOKED = (
    "SELECT a.request_id, a.starts_at, a.minutes, r.name, r.first_name, r.level, r.service, "
    "r.chat_id FROM appointments a JOIN requests r ON r.id = a.request_id "
)


def _booked(r: Any) -> Booked:
    return Booked(int(r[0]), datetime.fromisoformat(r[1]), int(r[2]), str(r[3] or r[4]), r[5], r[6])


class Appointments:
    """The appointments table."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def add(
        self, request_id: int, start: datetime, minutes: int, by: str, remind: bool = True
    ) -> None:
        """Keep a booking's confirmed time (`remind`: a reminder is still to come; False when
        confirmed inside the reminder window, where the confirmation is the reminder)."""
        end = start + timedelta(minutes=minutes)
        now = now_iso()
        await self.sql.run(
            "INSERT OR REPLACE INTO appointments "
            "(request_id, starts_at, ends_at, minutes, confirmed_by, confirmed_at, reminded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (request_id, iso(start), iso(end), minutes, by, now, None if remind else now),
        )

    async def remove(self, request_id: int) -> None:
        """Free a booking's time (cancelled or being moved): no longer busy, no reminder."""
        await self.sql.run("DELETE FROM appointments WHERE request_id = ?", (request_id,))

    async def to_remind(self, now: datetime, before: timedelta) -> list[tuple[Booked, int]]:
        """Return the appointments whose reminder is due and not yet queued, that have not
        started (late after an outage rather than lost), with their client's chat."""
        rows = await self.sql.rows(
            _BOOKED + "WHERE a.reminded_at IS NULL AND a.starts_at > ? AND a.starts_at <= ? "
            "AND r.status = 'confirmed' ORDER BY a.starts_at",
            (iso(now), iso(now + before)),
        )
        return [(_booked(r), int(r[7])) for r in rows]

    async def reminded(self, request_id: int) -> None:
        """Record that an appointment's reminder is queued (it is never queued again)."""
        await self.sql.run(
            "UPDATE appointments SET reminded_at = ? WHERE request_id = ?",
            (now_iso(), request_id),
        )

    async def of(self, request_id: int) -> AppointmentRow | None:
        """Return a request's appointment, if it has one."""
        rows = await self.sql.rows(
            "SELECT request_id, starts_at, minutes, confirmed_by, confirmed_at "
            "FROM appointments WHERE request_id = ?",
            (request_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return AppointmentRow(
            int(r[0]),
            datetime.fromisoformat(r[1]),
            int(r[2]),
            str(r[3]),
            datetime.fromisoformat(r[4]),
        )

    async def booked_among(self, ids: list[int]) -> list[int]:
        """Return which of these requests have an appointment (and so an event, with a
        calendar)."""
        if not ids:
            return []
        rows = await self.sql.rows(
            f"SELECT request_id FROM appointments WHERE request_id IN ({marks(ids)}) "  # noqa: S608
            "ORDER BY request_id",
            ids,
        )
        return [int(r[0]) for r in rows]

    async def busy(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Return the appointments overlapping a period, as (start, end) times."""
        rows = await self.sql.rows(
            "SELECT starts_at, ends_at FROM appointments WHERE ends_at > ? AND starts_at < ? "
            "ORDER BY starts_at",
            (iso(start), iso(end)),
        )
        return [(datetime.fromisoformat(r[0]), datetime.fromisoformat(r[1])) for r in rows]

    async def between(self, start: datetime, end: datetime) -> list[Booked]:
        """Return the confirmed appointments starting in a period, earliest first."""
        rows = await self.sql.rows(
            _BOOKED + "WHERE a.starts_at >= ? AND a.starts_at < ? AND r.status = 'confirmed' "
            "ORDER BY a.starts_at",
            (iso(start), iso(end)),
        )
        return [_booked(r) for r in rows]

    async def ask_time(self, request_id: int, chat_id: int, message_id: int, spoken: bool) -> None:
        """Remember that a request's card waits for staff to type the time in a reply."""
        await self.sql.run(
            "INSERT OR REPLACE INTO time_asks (request_id, chat_id, message_id, spoken) "
            "VALUES (?, ?, ?, ?)",
            (request_id, chat_id, message_id, int(spoken)),
        )

    async def time_asked(self, chat_id: int, message_id: int) -> tuple[int, bool] | None:
        """Return the request whose card this is, if it waits for a typed time, and whether
        the client was spoken to."""
        rows = await self.sql.rows(
            "SELECT request_id, spoken FROM time_asks WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return (int(rows[0][0]), bool(rows[0][1])) if rows else None

    async def stop_asking(self, request_id: int) -> None:
        """The card no longer waits for a typed time."""
        await self.sql.run("DELETE FROM time_asks WHERE request_id = ?", (request_id,))
