"""Run the bot in Telegram until SIGINT or SIGTERM, then shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.app import build_application, start_application, stop_application
from bot.content import Content
from bot.settings import Settings
from bot.storage import Storage

log = logging.getLogger(__name__)


def run_bot(settings: Settings, content: Content, webhook_url: str | None = None) -> int:
    """Run until stopped; return the exit code."""
    asyncio.run(_serve(settings, content, webhook_url))
    return 0


async def _serve(settings: Settings, content: Content, webhook_url: str | None) -> None:
    storage = await Storage.open(settings.db_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app = build_application(settings, content, storage)
    try:
        await start_application(app, webhook_url=webhook_url, settings=settings)
        log.info(
            "event=started clinic=%r mode=%s",
            content.clinic.name,
            "webhook" if webhook_url else "polling",
        )
        await stop.wait()
        log.info("event=stopping")
    finally:
        await stop_application(app)
        await storage.close()
        log.info("event=stopped")
