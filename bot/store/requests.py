"""Requests, staff actions and handoff messages in the database."""

from __future__ import annotations

import json
from dataclasses import dataclass

import aiosqlite

from bot.store.database import now_iso
from flows.events import Client, SubmitRequest

OPEN_STATUSES = ("open", "needs_note", "contacted")
FINAL_STATUSES = ("confirmed", "declined", "withdrawn")


@dataclass(frozen=True)
class RequestRow:
    """A stored request as staff see it."""

    id: int
    chat_id: int
    username: str | None
    first_name: str
    kind: str
    level: str
    flags: tuple[str, ...]
    name: str
    phone: str
    times: str
    concern: str
    consent_at: str | None
    status: str
    created_at: str


_COLUMNS = (
    "id, chat_id, username, first_name, kind, level, flags, name, phone, times, concern, "
    "consent_at, status, created_at"
)


def _row(r: aiosqlite.Row) -> RequestRow:
    return RequestRow(
        r[0], r[1], r[2], r[3], r[4], r[5], tuple(json.loads(r[6])), r[7], r[8], r[9], r[10],
        r[11], r[12], r[13],
    )  # fmt: skip


async def add_request(db: aiosqlite.Connection, client: Client, req: SubmitRequest) -> int:
    """Store a new request and return its number."""
    level = req.level.word if req.level is not None else "NONE"
    now = now_iso()
    cursor = await db.execute(
        "INSERT INTO requests (chat_id, username, first_name, kind, level, flags, name, phone, "
        "times, concern, consent_at, status, created_at, active_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
        (
            client.chat_id, client.username, client.first_name, req.kind, level,
            json.dumps(list(req.flags)), req.name, req.phone, req.times, req.concern,
            req.consent_at, now, now,
        ),
    )  # fmt: skip
    return int(cursor.lastrowid or 0)


async def get_request(db: aiosqlite.Connection, request_id: int) -> RequestRow | None:
    """Return one request."""
    sql = f"SELECT {_COLUMNS} FROM requests WHERE id = ?"  # noqa: S608 (constant columns)
    async with db.execute(sql, (request_id,)) as c:
        row = await c.fetchone()
    return _row(row) if row else None


async def open_requests(db: aiosqlite.Connection, limit: int = 30) -> list[RequestRow]:
    """Return requests staff still have to act on, oldest first."""
    marks = ", ".join("?" for _ in OPEN_STATUSES)
    sql = f"SELECT {_COLUMNS} FROM requests WHERE status IN ({marks}) ORDER BY id LIMIT ?"  # noqa: S608
    async with db.execute(sql, (*OPEN_STATUSES, limit)) as cursor:
        return [_row(r) for r in await cursor.fetchall()]


async def record_action(
    db: aiosqlite.Connection, request_id: int, action: str, status: str, staff: str
) -> None:
    """Record who did what to a request, and its new status."""
    now = now_iso()
    closed = now if status in FINAL_STATUSES else None
    await db.execute(
        "UPDATE requests SET status = ?, closed_at = coalesce(closed_at, ?), active_at = ? "
        "WHERE id = ?",
        (status, closed, now, request_id),
    )
    await db.execute(
        "INSERT INTO request_actions (request_id, action, staff, created_at) VALUES (?, ?, ?, ?)",
        (request_id, action, staff, now),
    )


async def touch_request(db: aiosqlite.Connection, request_id: int) -> None:
    """Record activity on a request (its end of life counts from the last activity)."""
    await db.execute("UPDATE requests SET active_at = ? WHERE id = ?", (now_iso(), request_id))


async def actions_of(db: aiosqlite.Connection, request_id: int) -> list[tuple[str, str, str]]:
    """Return a request's staff actions: action, staff member, time."""
    async with db.execute(
        "SELECT action, staff, created_at FROM request_actions WHERE request_id = ? ORDER BY id",
        (request_id,),
    ) as cursor:
        return [(r[0], r[1], r[2]) for r in await cursor.fetchall()]


async def add_handoff(db: aiosqlite.Connection, chat_id: int, direction: str, text: str) -> int:
    """Store a message between a client and staff; return its id."""
    cursor = await db.execute(
        "INSERT INTO handoff (chat_id, direction, text, created_at) VALUES (?, ?, ?, ?)",
        (chat_id, direction, text, now_iso()),
    )
    return int(cursor.lastrowid or 0)


async def client_of_staff_message(
    db: aiosqlite.Connection, staff_chat: int, message_id: int
) -> int | None:
    """Return the client chat a staff-chat message was about (a request or a handoff)."""
    async with db.execute(
        "SELECT kind, ref FROM staff_messages WHERE chat_id = ? AND message_id = ?",
        (staff_chat, message_id),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    table = "requests" if row[0] == "request" else "handoff"
    async with db.execute(f"SELECT chat_id FROM {table} WHERE id = ?", (row[1],)) as cursor:  # noqa: S608
        found = await cursor.fetchone()
    return int(found[0]) if found else None


async def latest_linked_staff_message(db: aiosqlite.Connection, staff_chat: int) -> int | None:
    """Return the newest staff-chat message that is about a client (request or handoff)."""
    async with db.execute(
        "SELECT message_id FROM staff_messages WHERE chat_id = ? ORDER BY rowid DESC LIMIT 1",
        (staff_chat,),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else None
