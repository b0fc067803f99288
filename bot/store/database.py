"""The database: one SQLite connection, its migrations, and transactions over its tables."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store import dbfile
from bot.store.appointments import Appointments
from bot.store.calendar_writes import CalendarWrites
from bot.store.chats import Chats
from bot.store.client_reads import ClientReads
from bot.store.handoffs import Handoffs
from bot.store.inbox import Inbox
from bot.store.learned import Learned
from bot.store.outbox import Outbox, OutboxItem
from bot.store.requests import Requests
from bot.store.schema import MIGRATIONS
from bot.store.sql import Alone, InTransaction
from bot.store.staff_messages import StaffMessages
from bot.store.unanswered import Unanswered

log = logging.getLogger(__name__)


class StorageError(Exception):
    """The database cannot be opened or is from a newer version of the bot."""


class Transaction:
    """The tables, for statements that happen together or not at all."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        sql = InTransaction(db)
        self.queued: list[OutboxItem] = []  # what outbox.enqueue() added, in order
        self.chats = Chats(sql)
        self.client = ClientReads(sql)  # the read that starts each client update
        self.requests = Requests(sql)
        self.handoffs = Handoffs(sql)
        self.staff_messages = StaffMessages(sql)
        self.unanswered = Unanswered(sql)
        self.learned = Learned(sql)
        self.appointments = Appointments(sql)
        self.calendar_writes = CalendarWrites(sql)
        self.outbox = Outbox(sql, self.queued)


class Storage:
    """The bot's database: one connection, transactions serialised."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self._lock = asyncio.Lock()
        alone = Alone(db, self._lock)
        # Statements on their own, outside any transaction (the delivery worker, the inbox).
        self.outbox = Outbox(alone)
        self.inbox = Inbox(alone)
        self.calendar_writes = CalendarWrites(alone)  # the calendar worker's pushes
        # Set by a deletion (/forget) so that the inbox checkpoints once its update is gone.
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
            await db.execute("PRAGMA cache_size=-512")
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
            forgotten: list[int] = []
            try:
                forgotten = await self.inbox.forget_handled(InTransaction(self.db))
                yield Transaction(self.db)
            except BaseException:
                await self.db.execute("ROLLBACK")
                self.inbox.handled[:0] = forgotten  # their rows are back: forget them later
                raise
            await self.db.execute("COMMIT")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Transaction]:
        """Give the tables for reads, serialised with the writes (not one snapshot)."""
        async with self._lock:
            yield Transaction(self.db)

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
