"""A per-client flood limit, checked before any work or storage is done for an update."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.telegram.callbacks import answer_quietly


class FloodGuard:
    """Allow at most `limit` updates per client in `window` seconds; warn once, then drop."""

    def __init__(
        self,
        limit: int,
        window: float,
        warning: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.warning = warning
        self.clock = clock
        # Each client's recent update times, oldest first: a list, as a deque takes about
        # 760 bytes even when it holds one time (a thousand clients at once: about 0.5 MB).
        self._seen: dict[int, list[float]] = {}
        self._warned: set[int] = set()
        self._swept = clock()

    def allow(self, user_id: int) -> bool | None:
        """Return True to process, None to drop after warning, False to drop silently."""
        now = self.clock()
        if now - self._swept > self.window:
            self._forget_quiet(now)
        stamps = self._seen.setdefault(user_id, [])
        old = 0
        while old < len(stamps) and now - stamps[old] > self.window:
            old += 1
        del stamps[:old]
        if len(stamps) < self.limit:
            stamps.append(now)
            self._warned.discard(user_id)
            return True
        if user_id in self._warned:
            return False
        self._warned.add(user_id)
        return None

    def _forget_quiet(self, now: float) -> None:
        """Drop the clients who wrote nothing within the window, so memory stays small."""
        self._swept = now
        quiet = [user for user, stamps in self._seen.items() if now - stamps[-1] > self.window]
        for user in quiet:
            del self._seen[user]
            self._warned.discard(user)

    async def check(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stop a flooding client's update before any handler runs (PTB handler group -1)."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.type != "private":
            return
        verdict = self.allow(user.id)
        if verdict:
            return
        if verdict is None:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(chat.id, self.warning)
        if update.callback_query is not None:
            await answer_quietly(update.callback_query)
        raise ApplicationHandlerStop
