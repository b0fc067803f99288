"""Staff teach the bot: review unanswered questions one at a time, add them to an entry.

`Learning` holds the content with what staff taught: the shipped or clinic knowledge base
plus the learned phrasings stored in the database, its matcher rebuilt (in a thread, about
half a second) and handed to every service at once, so the next client message is answered
with it; no restart. `TeachDesk` is /unanswered and its buttons (rules in flows/teach.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from html import escape
from typing import Protocol

from bot.config.content import Content
from bot.services.api_calls import staff_call
from bot.store.database import Storage, Transaction
from bot.store.outbox import Purpose
from bot.store.unanswered import Missed
from faq.kb import Entry
from faq.learned import Phrasing, tidy, with_learned
from faq.matcher import Matcher
from flows import teach
from flows.teach import TeachAction, TeachButton

log = logging.getLogger(__name__)
Buttons = list[list[tuple[str, str]]]
# The questions reviewed: the most asked this many, after the safety check's filter.
REVIEWED = 200
GONE = "That question is no longer in the list (already handled, or deleted after the "
GONE += "retention period)."


class UsesContent(Protocol):
    """A service that answers with the content (the conversation and staff services)."""

    content: Content


def taught(base: Content, learned: list[Phrasing]) -> Content:
    """Return the content with the learned phrasings added to its knowledge base."""
    if not learned:
        return base
    kb = with_learned(base.kb, learned)
    matcher = Matcher(kb, base.matcher.tuning, keep=base.matcher.keep)
    desk = replace(base.desk, matcher=matcher)
    return replace(base, kb=kb, matcher=matcher, desk=desk)


@dataclass
class Learning:
    """The content in use: what was loaded from the files, plus what staff taught."""

    base: Content
    storage: Storage
    users: list[UsesContent] = field(default_factory=list)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def refresh(self) -> int:
        """Rebuild the content from the files' and the database's phrasings; return how
        many learned phrasings are in use."""
        async with self._lock:
            async with self.storage.reading() as tables:
                rows = await tables.learned.all()
            learned = [Phrasing(r.entry_id, r.text) for r in rows]
            content = await asyncio.to_thread(taught, self.base, learned)
            for user in self.users:
                user.content = content
        log.info("event=learned_in_use phrasings=%s", len(learned))
        return len(learned)


@dataclass
class TeachDesk:
    """/unanswered in the staff chat: one question at a time, with buttons to teach."""

    learning: Learning
    storage: Storage
    staff_chat_id: int

    @property
    def content(self) -> Content:
        """Return the content in use (the first service's: all hold the same)."""
        users = self.learning.users
        return users[0].content if users else self.learning.base

    async def show_first(self, tx: Transaction) -> None:
        """Queue the review card of the most asked question (for /unanswered)."""
        html, buttons = await self._card(tx, 0)
        method, payload = staff_call(self.staff_chat_id, html, buttons)
        await tx.outbox.enqueue(self.staff_chat_id, method, payload, Purpose.STAFF)

    async def press(
        self,
        update_id: int | None,
        button: TeachButton,
        staff_name: str,
        message_id: int | None,
    ) -> str:
        """Handle a review button; return the notice the staff member sees."""
        notice, header, changed = "", "", False
        async with self.storage.transaction() as tx:
            if update_id is not None and not await tx.chats.claim_update(update_id):
                return "Already done."
            if button.action in (TeachAction.ADD, TeachAction.IGNORE):
                notice, header, changed = await self._act(tx, button, staff_name)
        if changed:
            await self.learning.refresh()
        async with self.storage.transaction() as tx:
            if button.action is TeachAction.LIST:
                html, buttons = await self._entry_page(tx, button)
            else:
                html, buttons = await self._card(tx, button.position, header)
            method, payload = staff_call(self.staff_chat_id, html, buttons)
            if message_id is not None:  # the card changes where it was tapped
                method, payload["message_id"] = "editMessageText", message_id
            await tx.outbox.enqueue(self.staff_chat_id, method, payload, Purpose.STAFF)
        return notice or "OK"

    async def _act(
        self, tx: Transaction, button: TeachButton, staff_name: str
    ) -> tuple[str, str, bool]:
        """Add or ignore a question; return the notice, the card's header and whether the
        knowledge base changed."""
        text = await tx.unanswered.text_of(button.question)
        if text is None:
            return GONE, f"ℹ️ {GONE}", False
        quoted = f"“{escape(text[:120])}”"
        who = escape(staff_name)
        if button.action is TeachAction.IGNORE:
            await tx.learned.ignore(text)
            await tx.unanswered.drop(text)
            log.info("event=question_ignored")
            return "Ignored: it won't be offered again.", f"🙈 {quoted} ignored by {who}.", False
        entry = self.content.kb.get(button.arg)
        if entry is None:
            notice = "That entry is no longer in the knowledge base."
            return notice, f"ℹ️ {notice}", False
        await tx.learned.add(entry.id, tidy(text))
        await tx.unanswered.drop(text)
        log.info("event=phrasing_learned entry=%s", entry.id)
        header = (
            f"✅ {quoted} added to <b>{escape(entry.title)}</b> by {who}. "
            "The bot answers it from now on."
        )
        return f"Added to “{entry.title}”.", header, True

    async def _questions(self, tx: Transaction) -> list[Missed]:
        """Return the questions to review, most asked first; questions the safety check
        would catch now are deleted, never offered."""
        check = self.content.safety.check
        out: list[Missed] = []
        for row in await tx.unanswered.most_frequent(REVIEWED):
            if check.assess(row.text).alarm or check.about_health(row.text):
                await tx.unanswered.drop(row.text)
                continue
            out.append(row)
        return out

    async def _card(self, tx: Transaction, position: int, header: str = "") -> tuple[str, Buttons]:
        """Return the review card of the question at a position in the list."""
        questions = await self._questions(tx)
        lines = [header] if header else []
        if not questions:
            lines.append("No unanswered questions to review. 🎉")
            return "\n\n".join(lines), []
        position = teach.position_after(position, len(questions))
        q = questions[position]
        lines.append(self._describe(q, position, len(questions)))
        kb = self.content.kb
        ranked = [c.entry.id for c in self.content.matcher.decide(q.text).candidates]
        ids = [e.id for e in kb.entries]
        likely = teach.likely_entries(ranked, q.best_guess, q.answered, ids)
        buttons: Buttons = [
            [(f"➕ {_title(kb.get(e))}", _data(TeachAction.ADD, q.id, position, e))] for e in likely
        ]
        buttons.append([("📚 Other entry…", _data(TeachAction.LIST, q.id, position, "0"))])
        row = [("🙈 Ignore", _data(TeachAction.IGNORE, q.id, position))]
        if len(questions) > 1:
            following = (position + 1) % len(questions)
            row.append(("Next ›", _data(TeachAction.SHOW, 0, following)))
        buttons.append(row)
        return "\n\n".join(lines), buttons

    async def _entry_page(self, tx: Transaction, button: TeachButton) -> tuple[str, Buttons]:
        """Return the card with a page of every entry to add the question to."""
        text = await tx.unanswered.text_of(button.question)
        if text is None:
            return await self._card(tx, button.position, f"ℹ️ {GONE}")
        kb = self.content.kb
        ids = [e.id for e in kb.entries]
        shown, page = teach.page_of(ids, int(button.arg))
        total = teach.pages(ids)
        html = (
            f"Add “{escape(text[:120])}” to which entry? (page {page + 1} of {total})\n"
            "The bot will answer it with that entry's answer."
        )
        q, at = button.question, button.position
        buttons: Buttons = [
            [(f"➕ {_title(kb.get(e))}", _data(TeachAction.ADD, q, at, e))] for e in shown
        ]
        nav = [("‹ Back", _data(TeachAction.SHOW, 0, at))]
        if page > 0:
            nav.append(("‹ Previous", _data(TeachAction.LIST, q, at, str(page - 1))))
        if page + 1 < total:
            nav.append(("More ›", _data(TeachAction.LIST, q, at, str(page + 1))))
        buttons.append(nav)
        return html, buttons

    def _describe(self, q: Missed, position: int, total: int) -> str:
        kb = self.content.kb
        lines = [
            f"<b>Unanswered question {position + 1} of {total}</b> · asked {q.count} ×",
            f"“{escape(q.text[:300])}”",
        ]
        if q.answered:
            given = escape(_title(kb.get(q.answered)))
            lines.append(f"⚠️ Answered with “{given}”; the client said that was not it.")
        elif q.best_guess:
            lines.append(f"Nearest entry: {escape(_title(kb.get(q.best_guess)))}")
        lines.append(
            "Add it to the entry that answers it and the bot answers it from now on; "
            "the client is not contacted."
        )
        return "\n".join(lines)


def _title(entry: Entry | None) -> str:
    return entry.title if entry is not None else "?"


def _data(action: TeachAction, question: int, position: int, arg: str = "") -> str:
    return teach.button_data(TeachButton(action, question, position, arg))
