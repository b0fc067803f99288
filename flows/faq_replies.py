"""Typed questions answered from the knowledge base: answers, topics, misses; pure."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime

from faq.kb import Entry, FollowUp
from faq.matcher import (
    Answer,
    Candidate,
    Decision,
    Matcher,
    NoMatch,
    SmallTalkReply,
    Suggestions,
)
from flows.events import LogUnanswered, Step
from flows.hours import WeekHours
from flows.menu import menu
from flows.messages import Messages, plain
from flows.reading import Reading
from flows.replies import Button, Reply, rows
from flows.safety_content import Safety
from flows.safety_replies import CONTRAINDICATIONS, SafetyReplies
from flows.screening import Questionnaire
from flows.state import Conversation

# The FAQ entry with the opening hours, and words that ask about them.
HOURS_ENTRY = "opening-hours"
OPEN_WORDS = ("open", "opened", "opening", "closed", "close", "closing", "shut")
MAX_MATCH_CHARS = 1000
# Questions answered from one message at most, and what joins two questions in a sentence.
MAX_ANSWERS = 3
_SENTENCES = re.compile(r"(?<=[.!?\n])\s+")
_JOINS = re.compile(r"\s*(?:,\s*)?\b(?:and also|and|also|plus|&)\b\s*|\s*&\s*", re.IGNORECASE)
MAX_BUTTON_DATA = 64  # bytes of callback data Telegram accepts
# The question kept for a "Not what I asked" tap (as much as the unanswered log keeps).
MAX_ASKED_CHARS = 300


@dataclass(frozen=True)
class FaqReplies:
    """Answer what a client types or taps about the clinic, from the knowledge base."""

    matcher: Matcher
    messages: Messages
    questionnaire: Questionnaire
    safety: Safety
    hours: WeekHours | None = None

    @property
    def safety_replies(self) -> SafetyReplies:
        """Return what is said when a typed message speaks of health."""
        entry = self.matcher.kb.get(CONTRAINDICATIONS)
        button = Button(entry.title, faq_action(entry.id)) if entry is not None else None
        return SafetyReplies(self.safety, self.messages, self.questionnaire, button)

    def topics(self) -> Reply:
        """List every FAQ topic as a button."""
        buttons = [Button(e.title, faq_action(e.id)) for e in self.matcher.kb.entries]
        return Reply(self.messages.text("topics"), rows(buttons, 2))

    def answer(self, entry: Entry, typed: bool = False) -> Reply:
        """Reply with an FAQ answer and its follow-up button, if any.

        `typed`: the answer to a question the client typed, which gets a "Not what I asked"
        button: a tap tells staff the bot answered the wrong question.
        """
        follow = {
            FollowUp.BOOK: Button(self.messages.button("book"), "book"),
            FollowUp.TALK_TO_STAFF: Button(self.messages.button("staff"), "staff"),
            FollowUp.TOPICS: Button(self.messages.button("topics"), "topics"),
        }
        buttons: list[tuple[Button, ...]] = []
        if entry.follow_up:
            buttons.append((follow[entry.follow_up],))
        if typed:
            buttons.append((Button(self.messages.button("not_asked"), miss_action(entry.id)),))
        return Reply(entry.answer, tuple(buttons))

    def entry(self, action: str) -> Entry | None:
        """Return the FAQ entry a button's data names (see `faq_action`), if any."""
        kb = self.matcher.kb
        if action.startswith("faq:"):
            return kb.get(action.removeprefix("faq:"))
        if action.startswith("faq#"):
            return next((e for e in kb.entries if faq_action(e.id) == action), None)
        return None

    def missed(self, state: Conversation, action: str) -> Step:
        """A "Not what I asked" tap: log the question with the answer given, offer staff."""
        kb = self.matcher.kb
        entry = next((e for e in kb.entries if miss_action(e.id) == action), None)
        m = self.messages
        options = rows([Button(m.button("staff"), "staff"), Button(m.button("topics"), "topics")])
        if entry is None or not state.asked:
            return Step(state, (Reply(m.text("miss_unknown"), options),))
        logged = LogUnanswered(state.asked, None, 0.0, answered=entry.id)
        return Step(replace(state, asked=""), (Reply(m.text("miss_noted"), options),), (logged,))

    def read(self, text: str, max_safety_chars: int) -> Reading:
        """Read a typed message: what the safety check and the knowledge base make of it."""
        clipped = text[:MAX_MATCH_CHARS]
        parts = self._questions(clipped)
        return Reading(
            text,
            self.safety.check.assess(text[:max_safety_chars]),
            self.matcher.decide(clipped),
            tuple((p, self.matcher.decide(p)) for p in parts) if len(parts) > 1 else (),
            self.safety.check.about_health(text),
        )

    def text(self, state: Conversation, reading: Reading, now: datetime) -> Step:
        """Answer a typed message from an idle chat: one answer, several, or an honest miss."""
        text, decision = reading.text, reading.decision
        several = self._several(reading.parts, now)
        # The whole message read as one, if confident, must be among the parts' answers:
        # "Is this to be expected, and for how long?" is one question, not two.
        # A question about the body or health is never kept or logged: the client's words
        # about their health don't reach staff, not even as an unanswered question.
        health = reading.health
        asked = replace(state, asked="" if health else text[:MAX_ASKED_CHARS])
        if several and (not isinstance(decision, Answer) or decision.entry.id in several):
            return Step(asked, tuple(several.values()))
        hours = self._hours(decision, text, now)
        if hours is not None:
            return Step(asked, (hours,))
        match decision:
            case Answer(entry=entry):
                return Step(asked, (self.answer(entry, typed=True),))
            case SmallTalkReply(smalltalk=small):
                # A greeting or an "ok" is never a dead end: the menu comes with the reply.
                greets = small.id in ("greeting", "acknowledge")
                reply = menu(self.messages, small.reply) if greets else Reply(small.reply)
                return Step(state, (reply,))
            case Suggestions(entries=entries, candidates=candidates):
                buttons = [Button(e.title, faq_action(e.id)) for e in entries]
                if health:
                    buttons.append(Button(self.messages.button("book"), "book"))
                buttons.append(Button(self.messages.button("staff"), "staff"))
                said = self.safety_replies.health_text() if health else None
                reply = Reply(said or self.messages.text("suggestions"), rows(buttons))
                top = candidates[0]
                logged = () if health else (LogUnanswered(text, top.entry.id, top.score),)
                return Step(state, (reply,), logged)
            case NoMatch(candidates=candidates):
                first = candidates[0] if candidates else None
                return self._no_match(state, text, first, health)
        raise AssertionError(f"unhandled decision {decision!r}")

    def _no_match(
        self, state: Conversation, text: str, first: Candidate | None, health: bool
    ) -> Step:
        options = [
            Button(self.messages.button("topics"), "topics"),
            Button(self.messages.button("staff"), "staff"),
        ]
        said = self.messages.text("no_match")
        if health:
            options.insert(0, Button(self.messages.button("book"), "book"))
            said = self.safety_replies.health_text()
        reply = Reply(said, rows(options))
        guess = first.entry.id if first and first.score > 0 else None
        score = first.score if first else 0.0
        return Step(state, (reply,), () if health else (LogUnanswered(text, guess, score),))

    def _several(self, parts: tuple[tuple[str, Decision], ...], now: datetime) -> dict[str, Reply]:
        """Answer each question of a message that asks several, in order (up to three).

        Empty unless at least two questions get a confident answer, each a different topic;
        sentences that only give context ("I sit at a desk all day.") are not questions.
        """
        replies: dict[str, Reply] = {}
        for part, decision in parts:
            if isinstance(decision, Answer) and decision.entry.id not in replies:
                reply = self._hours(decision, part, now) or self.answer(decision.entry, True)
                replies[decision.entry.id] = reply
        chosen = dict(list(replies.items())[:MAX_ANSWERS])
        return chosen if len(chosen) > 1 else {}

    def _questions(self, text: str) -> list[str]:
        """The questions of a message: its sentences that ask, split at "…and are you…"."""
        parts: list[str] = []
        for sentence in _SENTENCES.split(text.strip()):
            pieces = _JOINS.split(sentence)
            current = pieces[0]
            for piece in pieces[1:]:
                if self.messages.is_question(piece):
                    parts.append(current)
                    current = piece
                else:
                    current = f"{current} and {piece}"
            parts.append(current)
        return [p.strip() for p in parts if p.strip() and self.messages.is_question(p)]

    def _hours(self, decision: Decision, text: str, now: datetime) -> Reply | None:
        """Answer "are you open now / tomorrow / on Sunday?" from the clinic's hours."""
        entry = self.matcher.kb.get(HOURS_ENTRY)
        if self.hours is None or entry is None:
            return None
        folded = plain(text)
        asks_hours = isinstance(decision, Answer) and decision.entry.id == HOURS_ENTRY
        if not asks_hours and not any(w in folded.split() for w in OPEN_WORDS):
            return None
        when = self.hours.when(folded, now)
        if when is None:
            return None
        answer = self.answer(entry, typed=True)
        return replace(answer, text=f"{self.hours.say(when, now)}\n\n{answer.text}")


def faq_action(entry_id: str) -> str:
    """Return the button data that opens an FAQ entry: within Telegram's 64 bytes.

    A short id is used as it is; a longer one is replaced by a stable hash of it, so the
    buttons of old messages keep working across restarts.
    """
    action = f"faq:{entry_id}"
    if len(action.encode()) <= MAX_BUTTON_DATA:
        return action
    return "faq#" + hashlib.sha256(entry_id.encode()).hexdigest()[:32]


def miss_action(entry_id: str) -> str:
    """Return the data of the "Not what I asked" button under an FAQ entry's answer."""
    action = f"miss:{entry_id}"
    if len(action.encode()) <= MAX_BUTTON_DATA:
        return action
    return "miss#" + hashlib.sha256(entry_id.encode()).hexdigest()[:32]
