"""Wait out a database that another program holds locked, instead of dropping the update."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


@dataclass(frozen=True)
class BusyRetry:
    """How long an update is retried before the client is told, and the waits between tries.

    Each try itself waits up to the database's busy timeout (5 s) for the lock.
    """

    patience: float = 60.0  # seconds of trying before the client hears there is a delay
    first_wait: float = 0.5
    longest_wait: float = 10.0  # also bounds how long a shutdown waits for a stuck update


def is_busy(exc: BaseException) -> bool:
    """Say whether an error means another connection holds the database's lock."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    return code in _BUSY if code is not None else "locked" in str(exc)


async def when_free(
    work: Callable[[], Awaitable[T]],
    policy: BusyRetry,
    *,
    running: Callable[[], bool],
    slow: Callable[[], Awaitable[None]],
) -> T | None:
    """Run `work`, trying again while the database is locked; other errors propagate.

    After `policy.patience` seconds `slow()` is awaited once (to tell the client), and
    the tries go on, until the work is done or the bot stops (then None: the update is
    dropped, and logged as such).
    """
    loop = asyncio.get_running_loop()
    start, wait, tries, told = loop.time(), policy.first_wait, 0, False
    while True:
        try:
            return await work()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
        tries += 1
        if not running():
            log.error("event=update_dropped tries=%s reason=database locked at shutdown", tries)
            return None
        if not told and loop.time() - start >= policy.patience:
            told = True
            await slow()
        log.warning("event=db_busy tries=%s retry_in=%.1fs", tries, wait)
        await asyncio.sleep(wait)
        wait = min(policy.longest_wait, wait * 2)
