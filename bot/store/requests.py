"""Requests and the staff actions on them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.appointments import Booked
from bot.store.sql import Sql, iso, marks, now_iso
from flows.events import Client, SubmitRequest
from flows.staff import OPEN_STATUSES, RequestFacts, Status
from flows.state import RequestKind


@dataclass(frozen=True)
class RequestRow:
    """A stored request as staff see it."""

    id: int
    chat_id: int
    username: str | None
    first_name: str
    kind: RequestKind
    level: str
    flags: tuple[str, ...]
    name: str
    phone: str
    times: str
    concern: str
    consent_at: str | None
    status: Status
    created_at: str
    # The session the client chose and its length ('' and 0: not sure, or not a booking).
    service: str = ""
    minutes: int = 0

    @property
    def facts(self) -> RequestFacts:
        """Return what the staff rules need to know about the request."""
        return RequestFacts(self.id, self.kind, self.level, self.status)


@dataclass(frozen=True)
class Ending:
    """A request whose time is up: deleted, or stripped bare if it is behind a hold."""

    id: int
    held: bool
    stripped: bool  # already bare


_COLUMNS = (
    "id, chat_id, username, first_name, kind, level, flags, name, phone, times, concern, "
    "consent_at, status, created_at, service, minutes"
)


# The same columns, named through the alias `r` (for reads joined with other tables).
_JOINED = ", ".join(f"r.{column}" for column in _COLUMNS.split(", "))


@dataclass(frozen=True)
class ClientRecord:
    """A client's requests as the front desk needs them at each message."""

    still_open: list[RequestRow]  # oldest first
    details: tuple[str, str] | None  # name and phone of the latest request that has both
    booked: list[Booked]  # confirmed appointments not yet started, earliest first


# A client's requests, each with its appointment's start and length (or nulls), as one
# JSON text: read with the chat's state in one round trip (bot/store/client_reads.py).
CLIENT_REQUESTS = (
    f"(SELECT json_group_array(json_array({_JOINED}, a.starts_at, a.minutes)) "  # noqa: S608
    "FROM requests r LEFT JOIN appointments a ON a.request_id = r.id WHERE r.chat_id = ?)"
)


def client_record(found: Sequence[Sequence[Any]], now: datetime) -> ClientRecord:
    """Build a client's record from their `CLIENT_REQUESTS` rows (in any order)."""
    found = sorted(found, key=lambda f: int(f[0]))
    rows = [_row(r) for r in found]
    details = next(((r.name, r.phone) for r in reversed(rows) if r.name and r.phone), None)
    after = iso(now)  # compared as the stored text, as the database would
    booked = [
        Booked(r.id, datetime.fromisoformat(f[-2]), int(f[-1]), r.name or r.first_name,
               r.level, r.service)
        for r, f in zip(rows, found, strict=True)
        if f[-2] is not None and f[-2] > after and r.status is Status.CONFIRMED
    ]  # fmt: skip
    booked.sort(key=lambda b: b.start)
    return ClientRecord([r for r in rows if r.status in OPEN_STATUSES], details, booked)


def _row(r: Sequence[Any]) -> RequestRow:
    return RequestRow(
        r[0], r[1], r[2], r[3], RequestKind(r[4]), r[5], tuple(json.loads(r[6])), r[7], r[8],
        r[9], r[10], r[11], Status(r[12]), r[13], r[14], int(r[15]),
    )  # fmt: skip


class Requests:
    """Appointment requests, call-backs and alerts, with who did what to them."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def add(self, client: Client, req: SubmitRequest) -> int:
        """Store a new request and return its number."""
        level = req.level.word if req.level is not None else "NONE"
        now = now_iso()
        return await self.sql.insert(
            "INSERT INTO requests (chat_id, username, first_name, kind, level, flags, name, "
            "phone, times, concern, consent_at, status, created_at, active_at, service, minutes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
            (
                client.chat_id, client.username, client.first_name, req.kind.value, level,
                json.dumps(list(req.flags)), req.name, req.phone, req.times, req.concern,
                req.consent_at, now, now, req.service, req.minutes,
            ),
        )  # fmt: skip

    async def get(self, request_id: int) -> RequestRow | None:
        """Return one request."""
        sql = f"SELECT {_COLUMNS} FROM requests WHERE id = ?"  # noqa: S608 (constant columns)
        rows = await self.sql.rows(sql, (request_id,))
        return _row(rows[0]) if rows else None

    async def all(self) -> list[RequestRow]:
        """Return every stored request, oldest first."""
        sql = f"SELECT {_COLUMNS} FROM requests ORDER BY id"  # noqa: S608 (constant columns)
        return [_row(r) for r in await self.sql.rows(sql)]

    async def still_open(self, limit: int = 30) -> list[RequestRow]:
        """Return requests staff still have to act on, oldest first."""
        sql = (
            f"SELECT {_COLUMNS} FROM requests "  # noqa: S608 (constant columns)
            f"WHERE status IN ({marks(OPEN_STATUSES)}) ORDER BY id LIMIT ?"
        )
        statuses = [s.value for s in OPEN_STATUSES]
        return [_row(r) for r in await self.sql.rows(sql, (*statuses, limit))]

    async def open_of_chat(self, chat_id: int) -> list[RequestRow]:
        """Return a client's requests staff still have to act on, oldest first."""
        sql = (
            f"SELECT {_COLUMNS} FROM requests "  # noqa: S608 (constant columns)
            f"WHERE chat_id = ? AND status IN ({marks(OPEN_STATUSES)}) ORDER BY id"
        )
        statuses = [s.value for s in OPEN_STATUSES]
        return [_row(r) for r in await self.sql.rows(sql, (chat_id, *statuses))]

    async def open_alert(self, chat_id: int, kind: RequestKind) -> int | None:
        """Return a client's alert of this kind that staff have not acted on yet."""
        rows = await self.sql.rows(
            "SELECT id FROM requests WHERE chat_id = ? AND kind = ? AND status = 'open' "
            "ORDER BY id DESC LIMIT 1",
            (chat_id, kind.value),
        )
        return next((int(r[0]) for r in rows), None)

    async def of_chat(self, chat_id: int, keep: int | None) -> list[tuple[int, Status]]:
        """Return a client's requests (number, status), leaving out `keep`."""
        rows = await self.sql.rows(
            "SELECT id, status FROM requests WHERE chat_id = ? AND id IS NOT ?", (chat_id, keep)
        )
        return [(int(r[0]), Status(r[1])) for r in rows]

    async def record_action(self, request_id: int, action: str, status: Status, staff: str) -> None:
        """Record who did what to a request, and its new status."""
        now = now_iso()
        closed = now if status.final else None
        await self.sql.run(
            "UPDATE requests SET status = ?, closed_at = coalesce(closed_at, ?), active_at = ? "
            "WHERE id = ?",
            (status.value, closed, now, request_id),
        )
        await self.sql.run(
            "INSERT INTO request_actions (request_id, action, staff, created_at) "
            "VALUES (?, ?, ?, ?)",
            (request_id, action, staff, now),
        )

    async def set_times(self, request_id: int, times: str) -> None:
        """Replace a request's preferred times (the client is moving its appointment)."""
        await self.sql.run(
            "UPDATE requests SET times = ?, active_at = ? WHERE id = ?",
            (times, now_iso(), request_id),
        )

    async def touch(self, request_id: int) -> None:
        """Record activity on a request (its end of life counts from the last activity)."""
        await self.sql.run(
            "UPDATE requests SET active_at = ? WHERE id = ?", (now_iso(), request_id)
        )

    async def actions_of(self, request_id: int) -> list[tuple[str, str, str]]:
        """Return a request's staff actions: action, staff member, time."""
        rows = await self.sql.rows(
            "SELECT action, staff, created_at FROM request_actions WHERE request_id = ? "
            "ORDER BY id",
            (request_id,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def strip(self, request_id: int) -> None:
        """Keep only the bare request: no name, phone, items, profile or consent time."""
        await self.sql.run(
            "UPDATE requests SET username = NULL, first_name = '', name = '', phone = '', "
            "times = '', concern = '', flags = '[]', consent_at = NULL, service = '', minutes = 0, "
            "redacted_at = ? "
            "WHERE id = ?",
            (now_iso(), request_id),
        )

    async def ending(self, before: datetime) -> list[Ending]:
        """Return the requests last active before a time, and whether a hold keeps them."""
        rows = await self.sql.rows(
            "SELECT r.id, h.chat_id IS NOT NULL, r.redacted_at IS NOT NULL FROM requests r "
            "LEFT JOIN holds h ON h.request_id = r.id "
            "WHERE coalesce(r.active_at, r.created_at) < ?",
            (iso(before),),
        )
        return [Ending(int(r[0]), bool(r[1]), bool(r[2])) for r in rows]

    async def delete(self, ids: list[int]) -> None:
        """Delete these requests, their staff actions and appointment times.

        A write to the clinic's calendar still waiting for one of them becomes the bare
        removal of its event: the client's details go now, and the event (which has their
        name) goes from the calendar once it can be reached.
        """
        if ids:
            bare = (
                "UPDATE calendar_writes SET action = 'remove', starts_at = NULL, ends_at = NULL, "
                "summary = '', description = '', version = version + 1 WHERE request_id IN "
            )
            await self.sql.run(f"{bare}({marks(ids)})", ids)
            for table in ("appointments", "time_asks"):
                await self.sql.run(
                    f"DELETE FROM {table} WHERE request_id IN ({marks(ids)})",  # noqa: S608
                    ids,
                )
            await self.sql.run(
                f"DELETE FROM request_actions WHERE request_id IN ({marks(ids)})",  # noqa: S608
                ids,
            )
            await self.sql.run(f"DELETE FROM requests WHERE id IN ({marks(ids)})", ids)  # noqa: S608
