"""Wire python-telegram-bot: the one place that builds the Application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.content import Content
from bot.conversation import ConversationService
from bot.handlers.client import ClientHandlers
from bot.handlers.staff import STAFF_COMMANDS, StaffHandlers
from bot.outbox import Outbox
from bot.settings import Settings
from bot.staff import StaffService
from bot.storage import Storage

log = logging.getLogger(__name__)
ErrorHandler = Callable[[object, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def build_application(
    settings: Settings,
    content: Content,
    storage: Storage,
    *,
    error_handler: ErrorHandler | None = None,
    rate_limiter: AIORateLimiter | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build the Application with every handler, the outbox worker and the error handler."""
    assert settings.token is not None, "a token is required to run in Telegram"
    app = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=0))
        .post_init(_start_worker)
        .post_stop(_stop_worker)
        .build()
    )
    assert settings.staff_chat_id is not None, "a staff chat is required to run in Telegram"
    outbox = Outbox(storage, app.bot)
    app.bot_data["outbox"] = outbox
    staff_chat = settings.staff_chat_id
    clients = ClientHandlers(ConversationService(content, storage, staff_chat), outbox)
    staff = StaffHandlers(
        StaffService(content, storage, staff_chat, settings.staff_user_ids), outbox
    )
    in_staff_chat = filters.Chat(staff_chat)
    app.add_handler(CallbackQueryHandler(staff.press, pattern=r"^st:"))
    app.add_handler(CommandHandler(list(STAFF_COMMANDS), staff.command, filters=in_staff_chat))
    app.add_handler(MessageHandler(in_staff_chat & filters.REPLY & filters.TEXT, staff.reply))
    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(private & filters.COMMAND, clients.command))
    app.add_handler(MessageHandler(private & filters.CONTACT, clients.contact))
    app.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.UpdateType.EDITED, clients.text)
    )
    app.add_handler(MessageHandler(private & ~filters.UpdateType.EDITED, clients.other))
    app.add_handler(CallbackQueryHandler(clients.press))
    app.add_error_handler(error_handler or _log_error)
    return app


async def start_application(
    app: Application[Any, Any, Any, Any, Any, Any],
    *,
    webhook_url: str | None = None,
    settings: Settings | None = None,
    poll_timeout: int = 30,
) -> None:
    """Start the bot and receive updates the way run_polling does, without owning the loop."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    if webhook_url is None:
        await app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout)
        return
    assert settings is not None
    await app.updater.start_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path="telegram",
        webhook_url=webhook_url,
        secret_token=settings.webhook_secret,
        allowed_updates=Update.ALL_TYPES,
    )


async def stop_application(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop polling and the bot, in the order run_polling uses."""
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    if app.post_stop is not None:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


async def _start_worker(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    outbox: Outbox = app.bot_data["outbox"]
    app.bot_data["outbox_task"] = asyncio.create_task(outbox.run(), name="outbox")


async def _stop_worker(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    task: asyncio.Task[None] | None = app.bot_data.pop("outbox_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("event=handler_error error=%s", type(context.error).__name__, exc_info=context.error)
