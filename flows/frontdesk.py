"""The whole client conversation: commands, menu, FAQ, booking and handoff; pure."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from faq.kb import Entry, FollowUp
from faq.matcher import Answer, Decision, Matcher, NoMatch, SmallTalkReply, Suggestions
from flows import thread
from flows.booking import Booking
from flows.details import DEFAULT_REGION, action, clean_name, clean_phone
from flows.events import (
    Client,
    Command,
    Contact,
    Event,
    Forget,
    ForwardToStaff,
    LogUnanswered,
    NonText,
    Press,
    Step,
    Text,
)
from flows.hours import WeekHours
from flows.known import Known
from flows.messages import Messages, plain
from flows.own_requests import CHANGE, NEW, OwnRequests, parse_my_action
from flows.replies import Button, Reply, rows
from flows.safety_content import Safety
from flows.safety_replies import CONTRAINDICATIONS, SafetyReplies
from flows.screening import Questionnaire
from flows.state import Conversation, Stage

# The FAQ entry with the opening hours, and words that ask about them.
HOURS_ENTRY = "opening-hours"
OPEN_WORDS = ("open", "opened", "opening", "closed", "close", "closing", "shut")
MAX_MATCH_CHARS = 1000
# Questions answered from one message at most, and what joins two questions in a sentence.
MAX_ANSWERS = 3
_SENTENCES = re.compile(r"(?<=[.!?\n])\s+")
_JOINS = re.compile(r"\s*(?:,\s*)?\b(?:and also|and|also|plus|&)\b\s*|\s*&\s*", re.IGNORECASE)
# A client's message to staff is passed on whole, up to what Telegram lets them send.
MAX_HANDOFF_CHARS = 4096
# Every character a client can send (Telegram's limit) is read by the safety check.
MAX_SAFETY_CHARS = 4096
MAX_BUTTON_DATA = 64  # bytes of callback data Telegram accepts
# The question kept for a "Not what I asked" tap (as much as the unanswered log keeps).
MAX_ASKED_CHARS = 300


@dataclass(frozen=True)
class FrontDesk:
    """Route each client event and say what to reply and what else to do."""

    matcher: Matcher
    messages: Messages
    questionnaire: Questionnaire
    safety: Safety
    hours: WeekHours | None = None
    # The clinic's country, for reading and showing phone numbers (ISO code, e.g. GB).
    region: str = DEFAULT_REGION
    # A thread with staff ends after this long without a message either way.
    thread_quiet: timedelta = thread.DEFAULT_QUIET

    @property
    def booking(self) -> Booking:
        """Return the booking flow."""
        return Booking(self.questionnaire, self.messages, self.region)

    @property
    def own(self) -> OwnRequests:
        """Return what is said about the client's own requests."""
        return OwnRequests(self.messages)

    @property
    def safety_replies(self) -> SafetyReplies:
        """Return what is said when a typed message speaks of health."""
        entry = self.matcher.kb.get(CONTRAINDICATIONS)
        button = Button(entry.title, faq_action(entry.id)) if entry is not None else None
        return SafetyReplies(self.safety, self.messages, self.questionnaire, button)

    def handle(
        self,
        state: Conversation,
        client: Client,
        event: Event,
        now: datetime,
        known: Known | None = None,
    ) -> Step:
        """Handle one event from a client; typed text is read for safety before anything else.

        `known`: what the service knows besides the conversation (the client's open
        requests, whether the message replies to staff).
        """
        known = known or Known()
        if thread.has_lapsed(state, now, self.thread_quiet):
            # Quiet for too long: the assistant answers again, and says so first.
            step = self.handle(state.reset(), client, event, now, known)
            if isinstance(event, Text):
                lapsed = Reply(self.messages.text("thread_lapsed"))
                return replace(step, replies=(lapsed, *step.replies))
            return step
        in_flow = state.stage not in (Stage.IDLE, Stage.HANDOFF)
        in_thread = state.stage is Stage.HANDOFF
        if isinstance(event, Text):
            found = self.safety.check.assess(event.text[:MAX_SAFETY_CHARS])
            if found.kinds:
                resume = self.booking.current(state, client) if in_flow else None
                text = event.text.strip()[:MAX_HANDOFF_CHARS]
                step = self.safety_replies.step(state, found, text, resume)
                if in_thread and step.state.stage in (Stage.IDLE, Stage.HANDOFF):
                    # The thread goes on: staff may well want to answer.
                    return replace(step, state=thread.touched(step.state, now))
                return step
            if known.reply_to_staff and event.text.strip():
                return self._to_staff(state, client, event.text, now, in_flow)
            if in_thread and event.text.strip():
                return self._thread_text(state, event.text, now)
            if in_flow:
                answered = self._in_flow(state, client, event.text)
                if answered is not None:
                    return answered
            elif self.own.asks_about(event.text):
                return self.own.status(state.reset(), known)
        match event:
            case Command(name="start"):
                text = self.messages.text("start", first_name=client.first_name or "there")
                return Step(state.reset(), (self.menu(text),))
            case Command(name="help"):
                return Step(state, (self.menu(self.messages.text("help")),))
            case Command(name="topics"):
                return Step(state, (self.topics(),))
            case Command(name="book"):
                return self._book(state, known, in_flow)
            case Command(name="status"):
                return self.own.status(state if in_flow else state.reset(), known)
            case Command(name="staff"):
                return self._handoff(state, now)
            case Command(name="privacy"):
                return Step(state, (Reply(self.messages.text("privacy")),))
            case Command(name="forget"):
                buttons = (
                    (Button(self.messages.button("forget_yes"), "forget:yes"),),
                    (Button(self.messages.button("forget_no"), "forget:no"),),
                )
                return Step(state, (Reply(self.messages.text("forget_confirm"), buttons),))
            case Command(name="cancel") if in_thread:
                return Step(thread.leave(state), (self.menu(self.messages.text("thread_left")),))
            case Command(name="cancel") if in_flow:
                return Step(state.reset(), (self.menu(self.messages.text("cancelled")),))
            case Command():
                return Step(state, (self.menu(self.messages.text("help")),))
            case Press(action=action) if action.startswith("bk:"):
                if self.booking.is_stale(state, action):
                    return self._stale(state, client)
                verb = action.split(":")[2]
                if verb == "quit":
                    said = Reply(self.messages.text("cancel_confirm"), edit=True)
                    return Step(state.reset(), (said, self.menu(self.messages.text("cancelled"))))
                if verb == "stay":
                    said = Reply(self.messages.text("kept_going"), edit=True)
                    return self._resume(state, client, said)
                if verb == "prev" and state.stage is Stage.CONSENT:
                    return Step(state.reset(), (self.menu(self.messages.text("cancelled")),))
                return self.booking.handle(state, client, event, now)
            case Press(action=action) if (mine := parse_my_action(action)) is not None:
                return self._mine(state, known, *mine, now)
            case Press(action=action):
                return self._press(state, client, action, now, known)
            case _ if in_flow:
                return self.booking.handle(state, client, event, now)
            case Text(text=text):
                return self._text(state.reset(), text, now)
            case Contact() | NonText():
                return Step(state, (self.menu(self.messages.text("non_text")),))
        raise AssertionError(f"unhandled event {event!r}")

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

    def menu(self, text: str) -> Reply:
        """Return a message with the main menu buttons."""
        m = self.messages
        return Reply(text, rows([Button(m.button(k), k) for k in ("ask", "book", "staff")]))

    def _press(
        self, state: Conversation, client: Client, action: str, now: datetime, known: Known
    ) -> Step:
        verb = action.partition(":")[0]
        in_flow = state.stage not in (Stage.IDLE, Stage.HANDOFF)
        if (entry := self._faq_entry(action)) is not None:
            return Step(state, (self.answer(entry),))
        if verb == "miss" or action.startswith("miss#"):
            return self._missed(state, action)
        if verb == "topics":
            return Step(state, (self.topics(),))
        if verb == "ask":
            return Step(state.reset(), (Reply(self.messages.text("ask")),))
        if verb == "book":
            return self._book(state, known, in_flow)
        if verb == "staff":
            return self._handoff(state, now)
        if action == thread.LEAVE:
            return Step(thread.leave(state), (self.menu(self.messages.text("thread_left")),))
        if action == "forget:yes":
            done = Reply(self.messages.text("forget_done"))
            return Step(Conversation(), (done,), (Forget(),))
        if action == "forget:no":
            return Step(state, (Reply(self.messages.text("forget_kept"), edit=True),))
        return self._stale(state, client)

    def _missed(self, state: Conversation, action: str) -> Step:
        """A "Not what I asked" tap: log the question with the answer given, offer staff."""
        kb = self.matcher.kb
        entry = next((e for e in kb.entries if miss_action(e.id) == action), None)
        m = self.messages
        options = rows([Button(m.button("staff"), "staff"), Button(m.button("topics"), "topics")])
        if entry is None or not state.asked:
            return Step(state, (Reply(m.text("miss_unknown"), options),))
        logged = LogUnanswered(state.asked, None, 0.0, answered=entry.id)
        return Step(replace(state, asked=""), (Reply(m.text("miss_noted"), options),), (logged,))

    def _faq_entry(self, action: str) -> Entry | None:
        """Return the FAQ entry a button's data names (see `faq_action`), if any."""
        kb = self.matcher.kb
        if action.startswith("faq:"):
            return kb.get(action.removeprefix("faq:"))
        if action.startswith("faq#"):
            return next((e for e in kb.entries if faq_action(e.id) == action), None)
        return None

    def _several(self, text: str, now: datetime) -> dict[str, Reply]:
        """Answer each question of a message that asks several, in order (up to three).

        Empty unless at least two questions get a confident answer, each a different topic;
        sentences that only give context ("I sit at a desk all day.") are not questions.
        """
        parts = self._questions(text)
        if len(parts) < 2:
            return {}
        replies: dict[str, Reply] = {}
        for part in parts:
            decision = self.matcher.decide(part)
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

    def _in_flow(self, state: Conversation, client: Client, text: str) -> Step | None:
        """Typed words mid-request: a control word, or a question answered before resuming.

        Returns None when the text is the answer to the current step (a name, a number).
        """
        m = self.messages
        control = m.control(text)
        if control in ("cancel", "menu"):
            if state.stage is Stage.CONSENT:
                return Step(state.reset(), (self.menu(m.text("cancelled")),))
            buttons = (
                (Button(m.button("cancel_yes"), action(state, "quit")),),
                (Button(m.button("cancel_no"), action(state, "stay")),),
            )
            return Step(state, (Reply(m.text("cancel_confirm"), buttons),))
        if control == "back":
            went = self.booking.back(state, client)
            if went is None:
                return Step(state.reset(), (self.menu(m.text("cancelled")),))
            return went
        if control == "help":
            return self._resume(state, client, Reply(m.text("step_help")))
        decision = self.matcher.decide(text[:MAX_MATCH_CHARS])
        field = state.stage in (Stage.NAME, Stage.PHONE, Stage.TIMES, Stage.AREAS)
        asked = m.is_question(text)
        if isinstance(decision, Answer) and (asked or not field or not self._fits(state, text)):
            # Answered, then the same step again: nothing typed here is stored.
            return self._resume(state, client, self.answer(decision.entry))
        if isinstance(decision, SmallTalkReply):
            return self._resume(state, client, Reply(m.text("field_small_talk")))
        if field and asked and state.stage in (Stage.NAME, Stage.PHONE):
            return self._resume(state, client, Reply(m.text("field_question")))
        return None

    def _resume(self, state: Conversation, client: Client, said: Reply) -> Step:
        """Say something, then show the step the client was on again, unchanged."""
        return Step(state, (said, self.booking.current(state, client)))

    def _fits(self, state: Conversation, text: str) -> bool:
        """Say whether the text could be the answer the current field asks for."""
        if state.stage is Stage.NAME:
            return clean_name(text) is not None
        if state.stage is Stage.PHONE:
            return clean_phone(text, self.region) is not None
        return bool(text.strip())

    def _stale(self, state: Conversation, client: Client) -> Step:
        stale = self.messages.text("stale_button")
        if state.stage in (Stage.IDLE, Stage.HANDOFF):
            return Step(state, (self.menu(stale),))
        return self._resume(state, client, Reply(stale))

    def _book(self, state: Conversation, known: Known, in_flow: bool, ask: bool = True) -> Step:
        """Start a request; with one open already, first ask whether to add one or change it."""
        if ask and known.requests and not state.hold:
            return self.own.before_booking(state, known)
        step = self.booking.start(state, restarted=in_flow)
        if known.last_details is None or step.state.stage is not Stage.CONSENT:
            return step
        name, phone = known.last_details
        return replace(step, state=replace(step.state, prev_name=name, prev_phone=phone))

    def _mine(
        self, state: Conversation, known: Known, verb: str, number: int | None, now: datetime
    ) -> Step:
        """A tap about the client's own requests: withdraw one, add another, change one."""
        in_flow = state.stage not in (Stage.IDLE, Stage.HANDOFF)
        if verb == NEW:
            return self._book(state, known, in_flow, ask=False)
        if verb == CHANGE and number is not None:
            said = self.messages.text("my_change", request_no=str(number))
            return Step(thread.touched(state.reset(), now), (Reply(said, self.leave_button()),))
        return self.own.press(state, known, verb, number)

    def _thread_text(self, state: Conversation, text: str, now: datetime) -> Step:
        """A message in a thread with staff: passed on, unless it asks to leave."""
        m = self.messages
        control = m.control(text)
        if control in ("cancel", "menu", "back"):
            return Step(thread.leave(state), (self.menu(m.text("thread_left")),))
        if control == "help":
            return Step(state, (Reply(m.text("thread_help"), self.leave_button()),))
        said = Reply(m.text("handoff_sent"), self.leave_button())
        forward = ForwardToStaff(text.strip()[:MAX_HANDOFF_CHARS])
        return Step(thread.touched(state, now), (said,), (forward,))

    def _to_staff(
        self, state: Conversation, client: Client, text: str, now: datetime, in_flow: bool
    ) -> Step:
        """A Telegram reply to a message from staff: it reaches them whatever the step."""
        forward = ForwardToStaff(text.strip()[:MAX_HANDOFF_CHARS])
        if state.stage is Stage.HANDOFF:
            said = Reply(self.messages.text("handoff_sent"), self.leave_button())
            return Step(thread.touched(state, now), (said,), (forward,))
        said = Reply(self.messages.text("handoff_sent"))
        resume = (self.booking.current(state, client),) if in_flow else ()
        return Step(state, (said, *resume), (forward,))

    def leave_button(self) -> tuple[tuple[Button, ...], ...]:
        """Return the button that ends a thread with staff."""
        return ((Button(self.messages.button("leave_thread"), thread.LEAVE),),)

    def _handoff(self, state: Conversation, now: datetime) -> Step:
        new = thread.touched(state.reset(), now)
        text = self.messages.text("handoff_ask")
        later = self.hours.reply_when(now) if self.hours is not None else None
        if later is not None:
            text = f"{text}\n\n{later}"
        return Step(new, (Reply(text, self.leave_button()),))

    def _text(self, state: Conversation, text: str, now: datetime) -> Step:
        decision = self.matcher.decide(text[:MAX_MATCH_CHARS])
        several = self._several(text[:MAX_MATCH_CHARS], now)
        # The whole message read as one, if confident, must be among the parts' answers:
        # "Is this to be expected, and for how long?" is one question, not two.
        asked = replace(state, asked=text[:MAX_ASKED_CHARS])
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
                menu = small.id in ("greeting", "acknowledge")
                reply = self.menu(small.reply) if menu else Reply(small.reply)
                return Step(state, (reply,))
            case Suggestions(entries=entries, candidates=candidates):
                buttons = [Button(e.title, faq_action(e.id)) for e in entries]
                health = self.safety.check.about_health(text)
                if health:
                    buttons.append(Button(self.messages.button("book"), "book"))
                buttons.append(Button(self.messages.button("staff"), "staff"))
                said = self.safety_replies.health_text() if health else None
                reply = Reply(said or self.messages.text("suggestions"), rows(buttons))
                top = candidates[0]
                return Step(state, (reply,), (LogUnanswered(text, top.entry.id, top.score),))
            case NoMatch(candidates=candidates):
                options = [
                    Button(self.messages.button("topics"), "topics"),
                    Button(self.messages.button("staff"), "staff"),
                ]
                said = self.messages.text("no_match")
                if self.safety.check.about_health(text):
                    options.insert(0, Button(self.messages.button("book"), "book"))
                    said = self.safety_replies.health_text()
                reply = Reply(said, rows(options))
                first = candidates[0] if candidates else None
                guess = first.entry.id if first and first.score > 0 else None
                score = first.score if first else 0.0
                return Step(state, (reply,), (LogUnanswered(text, guess, score),))
        raise AssertionError(f"unhandled decision {decision!r}")


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
