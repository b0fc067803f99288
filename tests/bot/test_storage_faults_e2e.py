"""Storage faults from outside the bot: a disk that fills up, a database another process locks."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.store.busy import BusyRetry
from bot.telegram.delivery import Outbox
from tests.bot.conftest import STAFF_CHAT, Running
from tests.bot.driver import Person, book

# Writes of the "sent" mark fail the way a full disk makes them fail; other writes succeed.
_DISK_FULL = (
    "CREATE TRIGGER disk_full BEFORE UPDATE OF sent_at ON outbox "
    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
)


@contextmanager
def other_process(db: Path) -> Iterator[sqlite3.Connection]:
    """Open the bot's database file the way another program would: its own connection."""
    con = sqlite3.connect(db, isolation_level=None, timeout=0.1)
    try:
        yield con
    finally:
        con.close()


async def until(ready: Callable[[], Awaitable[bool]], what: str, timeout: float = 10) -> None:
    """Wait until `ready()` is true (checked every 20 ms)."""
    for _ in range(int(timeout / 0.02)):
        if await ready():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def wait_for_log(caplog: pytest.LogCaptureFixture, event: str, count: int = 1) -> None:
    """Wait until the bot has logged an event at least `count` times."""

    async def logged() -> bool:
        return sum(event in r.getMessage() for r in caplog.records) >= count

    await until(logged, f"{count} x {event}")


async def test_a_reply_telegram_accepted_is_sent_once_while_marking_it_sent_fails(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    assert running.app is not None
    outbox: Outbox = running.app.bot_data["outbox"]
    outbox.backoff = 0.05
    with other_process(running.settings.db_path) as con:
        con.execute(_DISK_FULL)
        running.api.send_text(42, "parking?")
        reply = await running.api.wait_for_text(42, "Market Street")
        await wait_for_log(caplog, "event=outbox_mark_failed", count=4)
        assert [m.text for m in running.api.messages(42)] == [reply.text]
        con.execute("DROP TRIGGER disk_full")  # the disk has room again

    async def marked() -> bool:
        sent = "SELECT 1 FROM outbox WHERE chat_id = 42 AND sent_at IS NOT NULL"
        return bool(await running.storage.fetch_all(sent))

    await until(marked, "the reply marked sent")
    await running.settle()
    assert [m.text for m in running.api.messages(42)] == [reply.text], "sent exactly once"
    rows = await running.storage.fetch_all("SELECT message_id, payload FROM outbox")
    assert [tuple(r) for r in rows] == [(reply.message_id, "{}")]


async def short_busy_timeout(running: Running) -> None:
    """Let each try wait 0.1 s for the lock instead of 5 s, so the tests run quickly."""
    await running.storage.execute("PRAGMA busy_timeout = 100")


@pytest.mark.slow(seconds=2)
async def test_a_message_sent_while_another_program_locks_the_database_is_answered_once(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    await short_busy_timeout(running)
    with other_process(running.settings.db_path) as con:
        con.execute("BEGIN IMMEDIATE")  # e.g. a backup or `sqlite3` session writing
        running.api.send_text(42, "parking?")
        await wait_for_log(caplog, "event=db_busy", count=2)
        assert running.api.messages(42) == [], "nothing is said while the lock is held"
        con.execute("ROLLBACK")
    reply = await running.api.wait_for_text(42, "Market Street")
    await running.settle()
    assert [m.text for m in running.api.messages(42)] == [reply.text]


async def test_a_client_told_of_a_long_lock_still_gets_their_answer_once_it_frees(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    await running.stop()
    running.options = {"busy_retry": BusyRetry(patience=0.5, first_wait=0.05, longest_wait=0.2)}
    await running.start()
    await short_busy_timeout(running)
    ann = 42
    with other_process(running.settings.db_path) as con:
        con.execute("BEGIN IMMEDIATE")
        running.api.send_text(ann, "parking?")
        sorry = await running.api.wait_for_text(ann, "technical hiccup")
        tries = sum("event=db_busy" in r.getMessage() for r in caplog.records)
        await wait_for_log(caplog, "event=db_busy", count=tries + 2)  # it keeps trying
        con.execute("ROLLBACK")
    reply = await running.api.wait_for_text(ann, "Market Street")
    await running.settle()
    assert [m.text for m in running.api.messages(ann)] == [sorry.text, reply.text]


async def test_a_staff_card_whose_request_is_forgotten_while_its_record_fails_is_redacted(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    # The card reaches staff, recording that fails (full disk), the client asks /forget:
    # once the disk has room, the card staff see must not keep the health details.
    assert running.app is not None
    caplog.set_level(logging.INFO, logger="bot.telegram.delivery")
    outbox: Outbox = running.app.bot_data["outbox"]
    outbox.backoff = 0.05
    ann = Person(running.api, 42, "Annabel")
    summary = await book(ann, {1: ["Blood thinners"]}, send=False)
    staff_only = _DISK_FULL.replace("BEGIN SELECT", f"WHEN OLD.chat_id = {STAFF_CHAT} BEGIN SELECT")
    with other_process(running.settings.db_path) as con:
        con.execute(staff_only)
        running.api.press(ann.user_id, summary.data_of("✅ Send request"), summary)
        await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
        await wait_for_log(caplog, "event=outbox_mark_failed", count=2)
        await ann.say("/forget", "Are you sure?")
        await ann.tap("🗑 Yes, delete everything", "has been deleted")
        con.execute("DROP TRIGGER disk_full")
    await wait_for_log(caplog, "event=outbox_late_redacted")
    await running.settle()
    texts = [m.text for m in running.api.messages(STAFF_CHAT)]
    assert any("Request #1: details deleted" in t for t in texts), texts
    assert not any("Blood thinners" in t or "Annabel" in t for t in texts), texts
