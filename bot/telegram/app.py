"""Wire python-telegram-bot: the one place that builds the Application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import sqlite3
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config.content import Content
from bot.config.settings import Settings
from bot.services.calendar import CalendarUnavailable, ClinicCalendar
from bot.services.calendar_sync import CalendarSync
from bot.services.clock import utc_now
from bot.services.conversations import ConversationService
from bot.services.reminders import CHECK_EVERY, Reminders
from bot.services.retention import purge_expired
from bot.services.staff_desk import StaffService
from bot.services.teaching import Learning
from bot.store.busy import BusyRetry
from bot.store.database import Storage
from bot.telegram.client_handlers import ClientHandlers
from bot.telegram.delivery import Outbox
from bot.telegram.error_reporter import ErrorReporter
from bot.telegram.flood_guard import FloodGuard
from bot.telegram.inbox import DurableQueue, UpdatesRequest, handled
from bot.telegram.lean_request import LeanRequest
from bot.telegram.staff_handlers import StaffHandlers
from bot.telegram.updates import PerChatUpdateProcessor
from flows.messages import STAFF_COMMANDS

log = logging.getLogger(__name__)
# Seconds between one getUpdates call and the next. Idle, a message still arrives at once
# (the call waits for it); busy, updates come in batches, for far fewer calls to Telegram.
POLL_PAUSE = 0.05
# Connections the bot's calls to Telegram share (getUpdates has its own). At most 64
# updates are handled and 32 chats flushed at once; the library's 256 let the pool grow
# to one connection per busy chat, and its bookkeeping scans every connection at each call
# (about a sixth of the bot's time under load). A call that finds all of them busy waits
# for one, up to POOL_WAIT seconds.
CONNECTIONS = 32
POOL_WAIT = 10.0
# More than 20 messages in 10 seconds from one client gets one polite slow-down reply.
FLOOD_LIMIT = (20, 10.0)
ErrorHandler = Callable[[object, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def build_application(
    settings: Settings,
    content: Content,
    storage: Storage,
    *,
    error_handler: ErrorHandler | None = None,
    rate_limiter: AIORateLimiter | None = None,
    flood_limit: tuple[int, float] = FLOOD_LIMIT,
    busy_retry: BusyRetry | None = None,
    clock: Callable[[], datetime] = utc_now,
    calendar: ClinicCalendar | None = None,
    reminder_interval: float = CHECK_EVERY,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build the Application with every handler, the outbox worker and the error handler.

    `error_handler` is called in addition to the built-in one (tests collect errors with it).
    `calendar`: the clinic's calendar (`ClinicCalendar.of`), if its settings name one: its
    worker runs next to the outbox's, and the Application closes it when it stops.
    """
    assert settings.token is not None, "a token is required to run in Telegram"
    assert settings.staff_chat_id is not None, "a staff chat is required to run in Telegram"
    updates_request = UpdatesRequest(storage.inbox)
    inbox = DurableQueue(storage, updates_request)
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .request(LeanRequest(CONNECTIONS, POOL_WAIT))
        .get_updates_request(updates_request)
    )
    limiter = rate_limiter or _rate_limiter(settings.rate_limit)
    if limiter is not None:
        cast(Any, builder).rate_limiter(limiter)  # the builder's types follow the limiter's
    app = (
        builder.update_queue(inbox)
        .concurrent_updates(
            PerChatUpdateProcessor(done=partial(handled, storage), finished=inbox.finished)
        )
        .post_init(_start_worker)
        .post_stop(_stop_worker)
        .build()
    )
    staff_chat = settings.staff_chat_id
    outbox = Outbox(storage, app.bot, staff_chat_id=staff_chat)
    app.bot_data["outbox"] = outbox
    app.bot_data["commands"] = _menus(content, staff_chat)
    sync = (
        None if calendar is None else CalendarSync(storage, calendar, content.clinic, clock=clock)
    )
    app.bot_data["calendar_sync"] = sync
    service = ConversationService(content, storage, staff_chat, clock=clock, calendar=sync)
    clients = ClientHandlers(service, outbox, busy_retry)
    # What staff teach from /unanswered reaches both services at once.
    learning = Learning(content, storage, [service])
    app.bot_data["learning"] = learning
    staff_service = StaffService(
        content, storage, staff_chat, settings.staff_user_ids, clock=clock, learning=learning,
        calendar=sync,
    )  # fmt: skip
    staff = StaffHandlers(staff_service, outbox)
    guard = FloodGuard(*flood_limit, content.messages.text("slow_down"))
    app.add_handler(TypeHandler(Update, guard.check), group=-1)
    in_staff_chat = filters.Chat(staff_chat)
    app.add_handler(CallbackQueryHandler(staff.press, pattern=r"^st:"))
    app.add_handler(CommandHandler(list(STAFF_COMMANDS), staff.command, filters=in_staff_chat))
    app.add_handler(MessageHandler(in_staff_chat & filters.REPLY & filters.TEXT, staff.reply))
    # Clients are served in private chats only; other groups and channels are ignored.
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    app.add_handler(MessageHandler(private & filters.COMMAND, clients.command))
    app.add_handler(MessageHandler(private & filters.CONTACT, clients.contact))
    app.add_handler(MessageHandler(private & filters.TEXT, clients.text))
    app.add_handler(MessageHandler(private, clients.other))
    app.add_handler(CallbackQueryHandler(clients.press))
    reporter = ErrorReporter(staff_chat, content.messages.text("error"))
    app.add_error_handler(reporter)
    if error_handler is not None:
        app.add_error_handler(error_handler)
    assert app.job_queue is not None
    clinic = content.clinic

    def follow_staff_chat(new_id: int) -> None:
        # The staff group became a supergroup: its commands, buttons and replies come from
        # the new id, and alerts and redactions go there (see Outbox._staff_chat_moved).
        nonlocal staff_chat
        staff_chat = service.staff_chat_id = staff_service.staff_chat_id = new_id
        reporter.staff_chat_id = staff_service.teaching.staff_chat_id = new_id
        in_staff_chat.add_chat_ids(new_id)
        # Staff's command menu is per chat: shown in the new group too, from now on.
        app.bot_data["commands"] = _menus(content, new_id)
        app.create_task(_register_commands(app), name="commands")

    outbox.on_staff_chat_moved.append(follow_staff_chat)

    async def purge(context: ContextTypes.DEFAULT_TYPE) -> None:
        await purge_expired(
            storage, clinic.retention_days, clinic.request_days, staff_chat=staff_chat,
            calendar=sync,
        )  # fmt: skip
        outbox.wake()  # the staff-chat messages of what was deleted are edited now

    app.job_queue.run_repeating(
        purge, interval=timedelta(days=1), first=timedelta(minutes=1), name="retention"
    )
    reminders = Reminders(content, storage, clock)

    async def remind(context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            queued = await reminders.queue_due()
        except sqlite3.Error as exc:  # e.g. locked for long: the next round queues them
            log.warning("event=reminders_deferred error=%s", type(exc).__name__)
            return
        if queued:
            outbox.wake()

    app.job_queue.run_repeating(
        remind, interval=reminder_interval, first=timedelta(seconds=1), name="reminders"
    )
    return app


def _rate_limiter(per_second: int) -> AIORateLimiter | None:
    """Keep within Telegram's limits: overall (the setting) and per group (20 a minute)."""
    if per_second == 0:
        return None  # a local Bot API server, or a benchmark
    # Sends wait for a free slot; a 429 still answered is retried by the outbox, not here.
    return AIORateLimiter(overall_max_rate=per_second, max_retries=0)


async def start_application(
    app: Application[Any, Any, Any, Any, Any, Any],
    *,
    webhook_url: str | None = None,
    settings: Settings | None = None,
    poll_timeout: int = 30,
    poll_pause: float = POLL_PAUSE,
) -> None:
    """Start the bot and receive updates the way run_polling does, without owning the loop."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    if isinstance(app.update_queue, DurableQueue):
        # What a crash left unhandled goes first, before anything new is fetched.
        await app.update_queue.replay(app.bot)
    assert app.updater is not None
    if webhook_url is None:
        await app.updater.start_polling(poll_interval=poll_pause, timeout=poll_timeout)
        return
    assert settings is not None
    # Never a webhook without a secret: anyone who finds the URL could post updates "from"
    # staff. Without WEBHOOK_SECRET a new one is made at each start and registered with
    # setWebhook; python-telegram-bot then refuses (403) posts without it.
    secret = settings.webhook_secret or secrets.token_urlsafe(32)
    await app.updater.start_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=urlsplit(webhook_url).path.strip("/"),
        webhook_url=webhook_url,
        secret_token=secret,
        allowed_updates=Update.ALL_TYPES,
    )
    if settings.webhook_secret is None:
        log.info("event=webhook_secret_generated")


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
    # After a failed start (a refused token) the Application was never initialised and
    # shutdown() skips the bot: close its HTTP connections anyway.
    await app.bot.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


async def _start_worker(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    learning: Learning = app.bot_data["learning"]
    await learning.refresh()  # what staff taught before this start
    outbox: Outbox = app.bot_data["outbox"]
    pending = await outbox.storage.outbox.retry_all_now()
    if pending:
        log.info("event=outbox_resume pending=%s", pending)
    app.bot_data["outbox_task"] = asyncio.create_task(outbox.run(), name="outbox")
    sync: CalendarSync | None = app.bot_data["calendar_sync"]
    if sync is not None:
        app.bot_data["calendar_task"] = asyncio.create_task(sync.run(), name="calendar")
    await _register_commands(app)


Menus = list[tuple[list[BotCommand], BotCommandScope]]


def _menus(content: Content, staff_chat: int) -> Menus:
    """Telegram's command menus: the client commands in private chats, staff's in theirs."""
    m = content.messages
    return [
        (
            [BotCommand(name, said) for name, said in commands],
            scope,
        )
        for commands, scope in (
            (m.client_commands, BotCommandScopeAllPrivateChats()),
            (m.staff_commands, BotCommandScopeChat(staff_chat)),
        )
        if commands
    ]


async def _register_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Show the commands in Telegram's menu; the bot runs on without them if refused."""
    for commands, scope in app.bot_data.get("commands", []):
        try:
            await app.bot.set_my_commands(commands, scope=scope)
        except TelegramError as error:
            log.warning("event=commands_not_registered scope=%s error=%s", scope.type, error)


async def _stop_worker(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for name in ("outbox_task", "calendar_task"):
        task: asyncio.Task[None] | None = app.bot_data.pop(name, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    outbox: Outbox = app.bot_data["outbox"]
    await outbox.record_accepted()
    sync: CalendarSync | None = app.bot_data["calendar_sync"]
    if sync is not None:
        # A write cut short is still queued: it is pushed again at the next start.
        with contextlib.suppress(CalendarUnavailable):
            await sync.calendar.close()
