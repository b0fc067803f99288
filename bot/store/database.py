"""SQLite storage (aiosqlite): conversation state, requests, outbox, unanswered log."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store import dbfile
from bot.store.schema import MIGRATIONS

log = logging.getLogger(__name__)

# Questions the bot could not answer are kept this long at most (characters).
UNANSWERED_MAX = 300


class StorageError(Exception):
    """The database cannot be opened or is from a newer version of the bot."""


def iso(moment: datetime) -> str:
    """Return a time as the UTC ISO text the database stores (comparable as text)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def now_iso() -> str:
    """Return the current UTC time as database text."""
    return iso(datetime.now(UTC))


@dataclass(frozen=True)
class OutboxItem:
    """A message waiting to be delivered to Telegram."""

    id: int
    chat_id: int
    method: str
    payload: dict[str, Any]
    purpose: str
    ref: int | None
    attempts: int


# A chat's state, and how many of its outbox items still wait to be sent.
_CHAT_READS = (
    "(SELECT state FROM conversations WHERE chat_id = ?), "
    "(SELECT count(*) FROM outbox WHERE chat_id = ? AND sent_at IS NULL AND gave_up_at IS NULL), "
    "(SELECT count(*) FROM holds WHERE chat_id = ?)"
)
# Record an update as handled; ignored when Telegram delivers the same update again.
_CLAIM = "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)"


# An outbox item `o` that is due now (both ? are the current time): not yet settled, its
# retry time reached, and no item ahead of it in its chat still waiting for a retry. A
# chat's items go by priority (higher first), then in the order they were queued.
_DUE = (
    "o.sent_at IS NULL AND o.gave_up_at IS NULL AND o.next_attempt_at <= ? AND NOT EXISTS ("
    "SELECT 1 FROM outbox w WHERE w.sent_at IS NULL AND w.gave_up_at IS NULL "
    "AND w.next_attempt_at > ? AND w.chat_id = o.chat_id "
    "AND (w.priority > o.priority OR (w.priority = o.priority AND w.id < o.id)))"
)


class Priority(IntEnum):
    """How soon an outbox item goes, ahead of its chat's others: urgent alerts first."""

    NORMAL = 0
    ALERT = 1


@dataclass(frozen=True)
class ChatSnapshot:
    """A chat's stored state, read at the start of handling one of its updates."""

    state: str | None
    undelivered: int  # outbox items of the chat that were queued before and are not yet sent
    held: bool = False  # booking waits until staff have spoken to the client


class Transaction:
    """Writes that happen together or not at all."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self.queued: list[OutboxItem] = []  # what enqueue() added, in order

    async def claim_update(self, update_id: int) -> bool:
        """Record an update as handled; False if it was handled before (a redelivery)."""
        cursor = await self.db.execute(_CLAIM, (update_id, now_iso()))
        return cursor.rowcount == 1

    async def open_chat(self, update_id: int | None, chat_id: int) -> ChatSnapshot | None:
        """Claim an update and read its chat's state, in one round trip.

        Return None if the update was handled before (Telegram delivered it again).
        """
        chats = (chat_id, chat_id, chat_id)
        if update_id is None:
            rows = await self.db.execute_fetchall("SELECT " + _CHAT_READS, chats)
        else:
            # RETURNING yields no row when the update id was already there.
            rows = await self.db.execute_fetchall(
                _CLAIM + " RETURNING " + _CHAT_READS, (update_id, now_iso(), *chats)
            )
        for state, undelivered, held in rows:
            return ChatSnapshot(None if state is None else str(state), int(undelivered), held > 0)
        return None

    async def hold(self, chat_id: int, request_id: int | None) -> None:
        """Hold a client's booking until staff have spoken to them."""
        await self.db.execute(
            "INSERT OR IGNORE INTO holds (chat_id, request_id, created_at) VALUES (?, ?, ?)",
            (chat_id, request_id, now_iso()),
        )

    async def release_hold(self, chat_id: int) -> None:
        """Let a client book again (staff have spoken to them)."""
        await self.db.execute("DELETE FROM holds WHERE chat_id = ?", (chat_id,))

    async def held_request(self, chat_id: int) -> int | None:
        """Return the alert behind a client's hold, if they are held."""
        rows = await self.db.execute_fetchall(
            "SELECT request_id FROM holds WHERE chat_id = ?", (chat_id,)
        )
        return next((None if r[0] is None else int(r[0]) for r in rows), None)

    async def open_alert(self, chat_id: int, kind: str) -> int | None:
        """Return a client's alert of this kind that staff have not acted on yet."""
        rows = await self.db.execute_fetchall(
            "SELECT id FROM requests WHERE chat_id = ? AND kind = ? AND status = 'open' "
            "ORDER BY id DESC LIMIT 1",
            (chat_id, kind),
        )
        return next((int(r[0]) for r in rows), None)

    async def staff_messages_since(self, chat_id: int, since: datetime) -> int:
        """Count a client's messages to staff since a time (forgetting older counts)."""
        cutoff = iso(since)
        await self.db.execute("DELETE FROM staff_quota WHERE created_at < ?", (cutoff,))
        rows = await self.db.execute_fetchall(
            "SELECT count(*) FROM staff_quota WHERE chat_id = ?", (chat_id,)
        )
        return next((int(r[0]) for r in rows), 0)

    async def count_staff_messages(self, chat_id: int, count: int) -> None:
        """Count messages a client sends to staff, against the per-client cap."""
        now = now_iso()
        await self.db.executemany(
            "INSERT INTO staff_quota (chat_id, created_at) VALUES (?, ?)",
            [(chat_id, now)] * count,
        )

    async def load_state(self, chat_id: int) -> str | None:
        """Return the stored conversation state of a chat."""
        rows = await self.db.execute_fetchall(
            "SELECT state FROM conversations WHERE chat_id = ?", (chat_id,)
        )
        return next((str(row[0]) for row in rows), None)

    async def save_state(self, chat_id: int, state: str) -> None:
        """Store a chat's conversation state."""
        await self.db.execute(
            "INSERT INTO conversations (chat_id, state, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (chat_id) DO UPDATE SET state = excluded.state, "
            "updated_at = excluded.updated_at",
            (chat_id, state, now_iso()),
        )

    async def log_unanswered(
        self, chat_id: int, text: str, best_id: str | None, score: float
    ) -> None:
        """Keep a message the bot could not answer confidently, for staff to review."""
        await self.db.execute(
            "INSERT INTO unanswered (chat_id, text, best_id, score, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (chat_id, text[:UNANSWERED_MAX], best_id, score, now_iso()),
        )

    async def enqueue(
        self,
        chat_id: int,
        method: str,
        payload: dict[str, Any],
        purpose: str,
        ref: int | None = None,
        priority: Priority = Priority.NORMAL,
    ) -> OutboxItem:
        """Queue a Bot API call for delivery; return the queued item."""
        now = now_iso()
        text = json.dumps(payload, ensure_ascii=False)
        cursor = await self.db.execute(
            "INSERT INTO outbox (chat_id, method, payload, purpose, ref, created_at, "
            "next_attempt_at, priority) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (chat_id, method, text, purpose, ref, now, now, int(priority)),
        )
        item = OutboxItem(int(cursor.lastrowid or 0), chat_id, method, payload, purpose, ref, 0)
        self.queued.append(item)
        return item


class Storage:
    """The bot's database: one connection, transactions serialised."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self._lock = asyncio.Lock()
        # Set by a deletion (/forget) so that `inbox_done` checkpoints after its update.
        self.checkpoint_after_update = False

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        """Open (creating if needed) the database and bring its schema up to date.

        A missing folder, a damaged, foreign or read-only file: StorageError, in one line.
        """
        try:
            dbfile.create_private(path)
            db = await aiosqlite.connect(str(path), isolation_level=None)
        except dbfile.DatabaseFileError as exc:
            raise StorageError(str(exc)) from None
        except Exception as exc:  # sqlite3 raises several kinds for a bad path
            raise StorageError(dbfile.problem(path, exc)) from None
        storage = cls(db)
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA busy_timeout=5000")
            # Deleted rows are overwritten with zeros, not left in free pages.
            await db.execute("PRAGMA secure_delete=ON")
            await storage._migrate(path)
            await storage._probe_write()
        except sqlite3.Error as exc:
            await db.close()
            raise StorageError(dbfile.problem(path, exc)) from None
        except Exception:
            await db.close()
            raise
        dbfile.make_private(path)  # the -wal and -shm an older version made 0644
        return storage

    async def close(self) -> None:
        """Close the connection."""
        await self.db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Run writes atomically; roll back if the block raises."""
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self.db)
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """Give the connection for reads, serialised with the writes."""
        async with self._lock:
            yield self.db

    async def fetch_all(self, sql: str, params: tuple[Any, ...] = ()) -> list[aiosqlite.Row]:
        """Run a read query and return its rows."""
        # One round trip to the database thread (a cursor would take three).
        async with self._lock:
            return list(await self.db.execute_fetchall(sql, params))

    async def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run one write statement on its own; return the number of rows changed."""
        async with self._lock:
            cursor = await self.db.execute(sql, params)
            return cursor.rowcount

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and empty it (after deletions).

        Until then the -wal file still holds the pages as they were before a deletion.
        """
        async with self._lock:
            try:
                await self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except aiosqlite.Error as exc:  # what was deleted stays deleted; retried next time
                log.warning("event=checkpoint_failed error=%s", type(exc).__name__)

    async def top_unanswered(self, limit: int = 10) -> list[tuple[str, int, str | None]]:
        """Return the most frequent unanswered messages: text, count, best guess."""
        rows = await self.fetch_all(
            "SELECT lower(trim(text)) AS t, count(*) AS n, max(best_id) FROM unanswered "
            "GROUP BY t ORDER BY n DESC, max(created_at) DESC LIMIT ?",
            (limit,),
        )
        return [(str(r[0]), int(r[1]), r[2]) for r in rows]

    async def pending_outbox(self, chat_id: int | None = None, limit: int = 50) -> list[OutboxItem]:
        """Return the outbox items due to be sent (of one chat, or all), in sending order.

        A chat's messages go out in order (alerts first, see `Priority`): behind an item
        that waits for a retry, its chat's later items wait too.
        """
        now = now_iso()
        rows = await self.fetch_all(
            "SELECT id, chat_id, method, payload, purpose, ref, attempts FROM outbox o WHERE "  # noqa: S608 (constants only)
            + _DUE
            + " AND (? IS NULL OR chat_id = ?) ORDER BY priority DESC, id LIMIT ?",
            (now, now, chat_id, chat_id, limit),
        )
        return [OutboxItem(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6]) for r in rows]

    async def chats_with_pending_outbox(self) -> list[int]:
        """Return the chats that have outbox items due now, oldest first."""
        now = now_iso()
        rows = await self.fetch_all(
            "SELECT chat_id FROM outbox o WHERE "  # noqa: S608 (constants only)
            + _DUE
            + " GROUP BY chat_id ORDER BY min(id)",
            (now, now),
        )
        return [int(r[0]) for r in rows]

    async def inbox_put(self, update_id: int, payload: str) -> None:
        """Keep an update until it is handled (see bot/inbox.py)."""
        await self.execute(
            "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            (update_id, payload, now_iso()),
        )

    async def inbox_done(self, update_id: int) -> None:
        """Forget an update that has been handled.

        After a deletion (/forget) the update that asked for it is in the database files
        too, names and all: the write-ahead log is emptied again once it is gone.
        """
        await self.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))
        if self.checkpoint_after_update:
            self.checkpoint_after_update = False
            await self.checkpoint()

    async def inbox_pending(self) -> list[str]:
        """Return the updates received but not handled (a crash came between), in order."""
        async with self._lock:
            rows = await self.db.execute_fetchall("SELECT payload FROM inbox ORDER BY update_id")
        return [str(r[0]) for r in rows]

    async def mark_sent(self, outbox_id: int, message_id: int | None) -> bool:
        """Record that Telegram accepted an outbox item, and drop its text.

        Only the message id is kept (staff replies and /forget need it): what was said to a
        client, health-check answers included, is not kept as a transcript. False when the
        item is no longer there (deleted by /forget or the retention job meanwhile).
        """
        return (
            await self.execute(
                "UPDATE outbox SET sent_at = ?, message_id = ?, attempts = attempts + 1, "
                "payload = '{}' WHERE id = ?",
                (now_iso(), message_id, outbox_id),
            )
            > 0
        )

    async def mark_failed(self, outbox_id: int, error: str, retry_at: datetime) -> None:
        """Record a failed delivery and when to try again."""
        await self.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
            "WHERE id = ?",
            (error[:200], iso(retry_at), outbox_id),
        )

    async def move_chat_outbox(self, old: int, new: int) -> int:
        """Move a chat's undelivered items to its new id (a group became a supergroup)."""
        return await self.execute(
            "UPDATE outbox SET chat_id = ?, payload = json_set(payload, '$.chat_id', ?), "
            "next_attempt_at = ? WHERE chat_id = ? AND sent_at IS NULL AND gave_up_at IS NULL",
            (new, new, now_iso(), old),
        )

    async def retry_pending_now(self) -> int:
        """Make every undelivered item due now (used at start-up: Telegram may be back)."""
        return await self.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE sent_at IS NULL AND gave_up_at IS NULL",
            (now_iso(),),
        )

    async def give_up(self, outbox_id: int, error: str) -> None:
        """Stop retrying an outbox item that Telegram refuses for good, and drop its text."""
        await self.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, gave_up_at = ?, "
            "payload = '{}' WHERE id = ?",
            (error[:200], now_iso(), outbox_id),
        )

    async def _probe_write(self) -> None:
        """Fail now, not at a client's first message, if the database cannot be written."""
        rows = await self.db.execute_fetchall("PRAGMA user_version")
        version = next(int(r[0]) for r in rows)
        for sql in dbfile.PROBE:
            try:
                await self.db.execute(sql.format(version=version))
            except sqlite3.Error as exc:
                if self.db.in_transaction:
                    await self.db.execute("ROLLBACK")
                if "locked" in str(exc):  # another process is writing: it is writable
                    return
                raise

    async def _migrate(self, path: Path | str) -> None:
        async with self.db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StorageError(
                f"database {path} has schema version {version}, newer than this bot "
                f"({len(MIGRATIONS)}); upgrade the bot"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
