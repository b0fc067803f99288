"""How the store's tables run their statements: inside a transaction, or alone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import aiosqlite

Params = Sequence[Any]


def iso(moment: datetime) -> str:
    """Return a time as the UTC ISO text the database stores (comparable as text)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def now_iso() -> str:
    """Return the current UTC time as database text."""
    return iso(datetime.now(UTC))


def marks(values: Sequence[object]) -> str:
    """Return the placeholders for an IN (…) list of these values."""
    return ", ".join("?" for _ in values)


class Sql(Protocol):
    """Runs statements: every table class in bot/store takes one."""

    async def rows(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a query and return its rows."""

    async def run(self, sql: str, params: Params = ()) -> int:
        """Run a statement and return how many rows it changed."""

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT and return the new row's id."""

    async def run_many(self, sql: str, params: Iterable[Params]) -> None:
        """Run a statement once for each set of parameters."""


class InTransaction:
    """Statements on a connection whose lock is already held (inside a transaction)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def rows(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a query and return its rows (one round trip to the database thread)."""
        return list(await self.db.execute_fetchall(sql, params))

    async def run(self, sql: str, params: Params = ()) -> int:
        """Run a statement and return how many rows it changed."""
        cursor = await self.db.execute(sql, params)
        return cursor.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT and return the new row's id."""
        cursor = await self.db.execute(sql, params)
        return int(cursor.lastrowid or 0)

    async def run_many(self, sql: str, params: Iterable[Params]) -> None:
        """Run a statement once for each set of parameters."""
        await self.db.executemany(sql, params)


class Alone(InTransaction):
    """Each statement on its own, taking the connection's lock for its time."""

    def __init__(self, db: aiosqlite.Connection, lock: asyncio.Lock) -> None:
        super().__init__(db)
        self._lock = lock

    async def rows(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a query and return its rows."""
        async with self._lock:
            return await super().rows(sql, params)

    async def run(self, sql: str, params: Params = ()) -> int:
        """Run a statement and return how many rows it changed."""
        async with self._lock:
            return await super().run(sql, params)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT and return the new row's id."""
        async with self._lock:
            return await super().insert(sql, params)

    async def run_many(self, sql: str, params: Iterable[Params]) -> None:
        """Run a statement once for each set of parameters."""
        async with self._lock:
            await super().run_many(sql, params)
