"""Client-side handlers: parse the update, hand it to the conversation service."""

from __future__ import annotations

import contextlib
import unicodedata

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.services.conversations import ConversationService, Handled
from bot.store.busy import BusyRetry, when_free
from bot.telegram.callbacks import answer_quietly, command_name
from bot.telegram.delivery import Outbox
from flows.events import Client, Command, Contact, Event, NonText, Press, Text


class ClientHandlers:
    """Callbacks for updates from clients in private chats."""

    def __init__(
        self, service: ConversationService, outbox: Outbox, busy: BusyRetry | None = None
    ) -> None:
        self.service = service
        self.outbox = outbox
        self.busy = busy or BusyRetry()

    async def command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle /start, /help, /topics and any other command."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        await self._run(update, context, Command(command_name(message.text)))

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a text message."""
        message = update.effective_message
        if message is not None and message.text is not None:
            replied = message.reply_to_message
            reply_to = replied.message_id if replied is not None else None
            await self._run(update, context, Text(_printable(message.text)), reply_to=reply_to)

    async def contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a shared contact (the phone-number button)."""
        message = update.effective_message
        if message is None or message.contact is None or update.effective_user is None:
            return
        own = message.contact.user_id == update.effective_user.id
        await self._run(update, context, Contact(message.contact.phone_number, own))

    async def other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle stickers, photos, voice notes and anything else that is not text."""
        message = update.effective_message
        if message is not None:
            await self._run(update, context, NonText(_kind(message)))

    async def press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a tap on an inline button."""
        query = update.callback_query
        if query is None:
            return
        await answer_quietly(query)
        if update.effective_chat is None or update.effective_chat.type != "private":
            return
        message_id = query.message.message_id if query.message else None
        await self._run(update, context, Press(query.data or ""), message_id)

    async def _run(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        event: Event,
        edit_message_id: int | None = None,
        reply_to: int | None = None,
    ) -> None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        client = Client(user.id, chat.id, user.first_name or "", user.username)

        async def attempt() -> Handled:
            # The chat's lock is held from storing to sending, so its new replies go out once.
            async with self.outbox.holding(chat.id):
                done = await self.service.handle(
                    update.update_id, client, event, edit_message_id, reply_to
                )
                await self.outbox.deliver_held(chat.id, done.replies if done.caught_up else None)
            return done

        async def tell_client() -> None:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(chat.id, self.service.content.messages.text("busy"))

        # A database locked by another program delays the update; it is never dropped.
        app = context.application
        done = await when_free(attempt, self.busy, running=lambda: app.running, slow=tell_client)
        if done is not None and done.staff:
            self.outbox.wake()  # the delivery worker sends it now, not in this update


def _printable(text: str) -> str:
    """Drop control and formatting characters (keeping line breaks and emoji)."""
    return "".join(
        c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co")
    )


def _kind(message: Message) -> str:
    for kind in (
        "sticker",
        "photo",
        "voice",
        "video",
        "video_note",
        "audio",
        "document",
        "location",
        "venue",
        "poll",
        "dice",
        "animation",
        "game",
    ):
        if getattr(message, kind, None):
            return kind
    return "other"
