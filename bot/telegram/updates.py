"""Handle updates from different chats side by side, and each chat's strictly in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.chat_locks import ChatLocks

# How many updates may be in progress at once, across all chats.
MAX_CONCURRENT_UPDATES = 64


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Run updates concurrently, but never two of the same chat at once.

    A client tapping quickly sees their taps handled in the order they made them, while
    a slow Telegram call for one client does not hold up everybody else.
    """

    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        done: Callable[[object], Awaitable[None]] | None = None,
        finished: Callable[[object], None] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        # Called once all of an update's handlers have run (bot/telegram/inbox.py forgets it then).
        self._done = done
        # Called when an update's handling is over, however it ended (the inbox counts them).
        self._finished = finished
        self._chats = ChatLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Process the update once no earlier update of its chat is in progress."""
        try:
            async with self._chats.holding(chat_key(update)):
                await coroutine
                if self._done is not None:
                    await self._done(update)
        finally:
            if self._finished is not None:
                self._finished(update)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def chat_key(update: object) -> int | None:
    """Return the chat an update belongs to (its sender's id if it has no chat)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None
