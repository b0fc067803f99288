"""End-to-end harness: the real Application, polling a fake Bot API server over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application, ContextTypes

from bot.config.content import Content
from bot.config.settings import Settings
from bot.store.database import Storage
from bot.telegram.app import build_application, start_application, stop_application
from tests.bot.fake_bot_api import FakeBotApi

TOKEN = "123456:TEST-token-for-the-fake-server-only"
STAFF_CHAT = -1001234
STAFF_USER = 900


@dataclass
class Running:
    """A bot running against the fake server, with its database and collected errors."""

    api: FakeBotApi
    settings: Settings
    content: Content
    storage: Storage
    app: Application[Any, Any, Any, Any, Any, Any] | None = None
    errors: list[BaseException] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)  # for build_application

    async def start(self) -> None:
        """Build and start the Application (again, after a stop: a restart)."""

        async def collect(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert context.error is not None
            self.errors.append(context.error)

        self.app = build_application(
            self.settings, self.content, self.storage, error_handler=collect, **self.options
        )
        # No pause between getUpdates calls: each reply would otherwise wait up to 50 ms
        # for the next poll (a second or more per booking); batches still form when a
        # test queues several updates at once.
        await start_application(self.app, poll_timeout=1, poll_pause=0)

    async def settle(self) -> None:
        """Wait until nothing more is under way (see `settle`)."""
        assert self.app is not None
        await settle(self.api, self.app)

    async def stop(self) -> None:
        """Stop the Application the way a graceful shutdown does."""
        if self.app is not None:
            await stop_application(self.app)
            self.app = None


async def settle(
    api: FakeBotApi, app: Application[Any, Any, Any, Any, Any, Any], timeout: float = 15
) -> None:
    """Wait until nothing more is under way, before checking that something did not happen.

    Every queued update fetched and handled, then two runs of the outbox worker (it runs
    at least once a second; it is woken for each, as a handler or the retention job wakes
    it) and the fake server quiet again: whatever the bot was going to send by now has been
    sent. The fake server counts a call as under way until it is answered, so a short
    quiet spell is enough on top of those events.
    """
    outbox = app.bot_data["outbox"]
    deadline = time.monotonic() + timeout

    async def until(ready: Callable[[], bool], what: str) -> None:
        while not ready():
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not settle: {what}\n{api.dump()}")
            await asyncio.sleep(0.02)

    def handled() -> bool:
        return app.update_queue.empty() and app.update_processor.current_concurrent_updates == 0

    await api.wait_until_idle(quiet=0.05, timeout=timeout)
    await until(handled, "updates still being handled")
    for _ in range(2):
        start = outbox.rounds
        outbox.wake()
        await until(lambda start=start: outbox.rounds > start, "the outbox did not run")
    await until(handled, "updates still being handled")
    await api.wait_until_idle(quiet=0.05, timeout=timeout)


def make_settings(api: FakeBotApi, db: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "token": TOKEN,
        "staff_chat_id": STAFF_CHAT,
        "api_url": api.root_url,
        "db_path": db,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@dataclass
class Clock:
    """The bot's clock in a test: set or moved on by the test, never slept through."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    """A clock at a time the demo clinic is open: Tuesday 24 Nov 2026, noon in London."""
    return Clock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))


@pytest.fixture
async def running(api: FakeBotApi, content: Content, tmp_path: Path) -> AsyncIterator[Running]:
    async for bot in run_bot(api, content, tmp_path, {}):
        yield bot


@pytest.fixture
async def clocked(
    api: FakeBotApi, content: Content, tmp_path: Path, clock: Clock
) -> AsyncIterator[Running]:
    """The bot running with the test's clock (`clock`) instead of the real one."""
    async for bot in run_bot(api, content, tmp_path, {"clock": clock}):
        yield bot


async def run_bot(
    api: FakeBotApi, content: Content, tmp_path: Path, options: dict[str, Any]
) -> AsyncIterator[Running]:
    """A bot started with these `build_application` options, for a fixture to yield.

    Stopped and its database closed afterwards; errors in its handlers fail the test.
    """
    settings = make_settings(api, tmp_path / "bot.sqlite3")
    storage = await Storage.open(settings.db_path)
    bot = Running(api, settings, content, storage, options=options)
    try:
        await bot.start()
        yield bot
    finally:
        await bot.stop()
        await storage.close()
    assert bot.errors == [], f"handler errors: {bot.errors!r}"
