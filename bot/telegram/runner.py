"""Run the bot in Telegram until SIGINT or SIGTERM, then shut down cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator

from telegram.error import InvalidToken, NetworkError

from bot.config.content import Content
from bot.config.settings import Settings, SettingsError
from bot.services.calendar import ClinicCalendar
from bot.store.database import Storage
from bot.telegram.app import build_application, start_application, stop_application

log = logging.getLogger(__name__)


def run_bot(settings: Settings, content: Content, webhook_url: str | None = None) -> int:
    """Run until stopped; return the exit code.

    A calendar in the clinic settings without its password in the environment is a
    ContentError (one line naming the file, `calendar` and `password_env`), before anything
    starts.
    """
    calendar = ClinicCalendar.of(content.clinic)
    asyncio.run(_serve(settings, content, webhook_url, calendar))
    return 0


async def _serve(
    settings: Settings, content: Content, webhook_url: str | None, calendar: ClinicCalendar | None
) -> None:
    storage = await Storage.open(settings.db_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app = build_application(settings, content, storage, calendar=calendar)
    started = False
    try:
        try:
            with _no_parse_traceback():
                await start_application(app, webhook_url=webhook_url, settings=settings)
        except InvalidToken as exc:
            raise SettingsError(refused_token_line(exc, settings)) from None
        except NetworkError as exc:  # nothing listening, no network yet, a name not found
            raise SettingsError(
                f"TELEGRAM_API_URL {settings.api_url} could not be reached ({exc}): check the "
                "network, or the URL if you set one"
            ) from None
        started = True
        log.info(
            "event=started clinic=%r mode=%s calendar=%s",
            content.clinic.name,
            "webhook" if webhook_url else "polling",
            "no" if calendar is None else "yes",
        )
        await stop.wait()
        log.info("event=stopping")
    finally:
        await stop_application(app)
        await storage.close()
        if started:  # a refusal at start is one line on its own
            log.info("event=stopped")


def refused_token_line(exc: InvalidToken, settings: Settings) -> str:
    """Say in one line, without the token, why the Bot API refused the bot at start."""
    # python-telegram-bot wraps the server's answer ("Unauthorized" for a token Telegram
    # does not know, "Not Found" for a malformed one or a URL that is no Bot API server).
    answer = str(exc.__cause__ or exc)
    if "Unauthorized" in answer or "(401)" in answer:
        return (
            "Telegram refused the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN, "
            "or get a new one from @BotFather"
        )
    return (
        f"TELEGRAM_API_URL {settings.api_url} answered 404 Not Found to the bot: it is not a "
        "Bot API server (or it does not know this token)"
    )


class _NotJson(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Can not load invalid JSON data")


@contextlib.contextmanager
def _no_parse_traceback() -> Iterator[None]:
    """Keep python-telegram-bot from logging a traceback when the URL is not a Bot API.

    Its getMe then gets a web page instead of JSON; the refusal is reported in one line.
    """
    logger, quiet = logging.getLogger("telegram.request.BaseRequest"), _NotJson()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)
