"""Staff-chat handlers: buttons on requests, replies to clients, staff commands."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.services.staff_desk import StaffMember, StaffService
from bot.telegram.callbacks import answer_quietly, command_name
from bot.telegram.delivery import Outbox


class StaffHandlers:
    """Callbacks for updates from the staff chat."""

    def __init__(self, service: StaffService, outbox: Outbox) -> None:
        self.service = service
        self.outbox = outbox

    async def press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a staff button; refuse anyone outside the staff chat."""
        query = update.callback_query
        if query is None:
            return
        chat = query.message.chat.id if query.message else None
        if not self.service.is_staff(chat, query.from_user.id):
            await answer_quietly(query, "Only clinic staff can do that.", alert=True)
            return
        message_id = query.message.message_id if query.message else None
        staff = StaffMember(query.from_user.id, _name(update))
        notice = await self.service.press(update.update_id, staff, query.data or "", message_id)
        await answer_quietly(query, notice)
        self.outbox.wake()

    async def command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle /requests, /request N and /unanswered from staff."""
        message, user = update.effective_message, update.effective_user
        if message is None or message.text is None or user is None:
            return
        if not self.service.is_staff(message.chat.id, user.id):
            return
        words = message.text.split()
        await self.service.command(update.update_id, command_name(message.text), words[1:])
        self.outbox.wake()

    async def reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Deliver a staff member's reply (to a client's message or request) to the client."""
        message, user = update.effective_message, update.effective_user
        if message is None or message.reply_to_message is None or user is None:
            return
        if not self.service.is_staff(message.chat.id, user.id) or not message.text:
            return
        staff = StaffMember(user.id, _name(update))
        target = message.reply_to_message.message_id
        if await self.service.reply(update.update_id, target, message.text, staff):
            self.outbox.wake()


def _name(update: Update) -> str:
    user = update.effective_user
    if user is None:
        return "staff"
    return f"{user.first_name} (@{user.username})" if user.username else user.first_name
