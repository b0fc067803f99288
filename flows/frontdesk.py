"""The whole client conversation: routes each event to the menu, FAQ, booking or staff; pure.

The parts live beside it: `faq_replies` (answers, topics, misses), `mid_request` (words
typed during a request), `handoff` (talking to staff), `booking`, `own_requests` and
`safety_replies`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from faq.kb import Entry
from faq.matcher import Matcher
from flows import thread
from flows.appointments import Service
from flows.booking import Booking
from flows.details import DEFAULT_REGION
from flows.events import Client, Command, Contact, Event, Forget, NonText, Press, Step, Text
from flows.faq_replies import FaqReplies, faq_action, miss_action
from flows.handoff import MAX_HANDOFF_CHARS, Handoff
from flows.hours import WeekHours
from flows.known import Known
from flows.menu import menu
from flows.messages import Messages
from flows.mid_request import MidRequest
from flows.my_appointments import MyAppointments, moving, parse_ap_action
from flows.own_requests import CHANGE, NEW, OwnRequests, parse_my_action
from flows.reading import Reading
from flows.replies import Button, Reply
from flows.safety_content import Safety
from flows.safety_replies import SafetyReplies
from flows.screening import Questionnaire
from flows.state import Conversation, Stage

__all__ = ["FrontDesk", "faq_action", "miss_action"]

# Every character a client can send (Telegram's limit) is read by the safety check.
MAX_SAFETY_CHARS = 4096


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
    # The sessions a client can book (the clinic's priced items with a length).
    services: tuple[Service, ...] = ()
    # Cancelling or moving an appointment closer than this to its start shows the policy.
    late_cancel: timedelta = timedelta(hours=24)

    @property
    def booking(self) -> Booking:
        """Return the booking flow."""
        return Booking(self.questionnaire, self.messages, self.region, self.hours, self.services)

    @property
    def own(self) -> OwnRequests:
        """Return what is said about the client's own requests."""
        return OwnRequests(self.messages, self.appointments)

    @property
    def appointments(self) -> MyAppointments:
        """Return what the client can do about their confirmed appointments."""
        zone = self.hours.zone if self.hours is not None else UTC
        return MyAppointments(self.messages, zone, self.late_cancel)

    @property
    def faq(self) -> FaqReplies:
        """Return the answers from the knowledge base."""
        return FaqReplies(self.matcher, self.messages, self.questionnaire, self.safety, self.hours)

    @property
    def handoff(self) -> Handoff:
        """Return what is said while the client writes to staff."""
        return Handoff(self.messages, self.booking, self.hours)

    @property
    def mid(self) -> MidRequest:
        """Return the reading of words typed during a request."""
        return MidRequest(self.faq, self.booking, self.region)

    @property
    def safety_replies(self) -> SafetyReplies:
        """Return what is said when a typed message speaks of health."""
        return self.faq.safety_replies

    def read(self, text: str) -> Reading:
        """Read a typed message on its own: safety, and what the knowledge base says.

        Pure and from the text alone, so it can be done before the chat's state is loaded
        (the service does, outside its transaction); `handle` reads it itself if not given.
        """
        return self.faq.read(text, MAX_SAFETY_CHARS)

    def handle(
        self,
        state: Conversation,
        client: Client,
        event: Event,
        now: datetime,
        known: Known | None = None,
        reading: Reading | None = None,
    ) -> Step:
        """Handle one event from a client; typed text is read for safety before anything else.

        `known`: what the service knows besides the conversation (the client's open
        requests, whether the message replies to staff). `reading`: the typed text's
        `read`, if done already.
        """
        known = known or Known()
        if isinstance(event, Text) and (reading is None or reading.text != event.text):
            reading = self.read(event.text)
        if thread.has_lapsed(state, now, self.thread_quiet):
            # Quiet for too long: the assistant answers again, and says so first.
            step = self.handle(state.reset(), client, event, now, known, reading)
            if isinstance(event, Text):
                lapsed = Reply(self.messages.text("thread_lapsed"))
                return replace(step, replies=(lapsed, *step.replies))
            return step
        if reading is not None:
            typed = self._typed(state, client, reading, now, known)
            if typed is not None:
                return typed
        return self._event(state, client, event, now, known, reading)

    def _typed(
        self, state: Conversation, client: Client, reading: Reading, now: datetime, known: Known
    ) -> Step | None:
        """Typed text: safety first, then staff threads and mid-request words.

        None when the text is for the event routing (an FAQ question, a field's answer).
        """
        text = reading.text
        in_flow = state.stage not in (Stage.IDLE, Stage.HANDOFF)
        in_thread = state.stage is Stage.HANDOFF
        found = reading.found
        if found.kinds:
            resume = self.booking.current(state, client) if in_flow else None
            said = text.strip()[:MAX_HANDOFF_CHARS]
            step = self.safety_replies.step(state, found, said, resume)
            if in_thread and step.state.stage in (Stage.IDLE, Stage.HANDOFF):
                # The thread goes on: staff may well want to answer.
                return replace(step, state=thread.touched(step.state, now))
            return step
        if known.reply_to_staff and text.strip():
            return self.handoff.reply_to_staff(state, client, text, now, in_flow)
        if in_thread and text.strip():
            return self.handoff.thread_text(state, text, now)
        if in_flow:
            return self.mid.typed(state, client, reading)
        if self.own.asks_about(text):
            return self.own.status(state.reset(), known)
        return None

    def _event(
        self,
        state: Conversation,
        client: Client,
        event: Event,
        now: datetime,
        known: Known,
        reading: Reading | None,
    ) -> Step:
        in_flow = state.stage not in (Stage.IDLE, Stage.HANDOFF)
        in_thread = state.stage is Stage.HANDOFF
        match event:
            case Command(name="start"):
                text = self.messages.text("start", first_name=client.first_name or "there")
                return Step(state.reset(), (self.menu(text),))
            case Command(name="help"):
                return Step(state, (self.menu(self.messages.text("help")),))
            case Command(name="topics"):
                return Step(state, (self.faq.topics(),))
            case Command(name="book"):
                return self._book(state, known, in_flow)
            case Command(name="status"):
                return self.own.status(state if in_flow else state.reset(), known)
            case Command(name="staff"):
                return self.handoff.start(state, now)
            case Command(name="privacy"):
                return Step(state, (Reply(self.messages.text("privacy")),))
            case Command(name="forget"):
                buttons = (
                    (Button(self.messages.button("forget_yes"), "forget:yes"),),
                    (Button(self.messages.button("forget_no"), "forget:no"),),
                )
                return Step(state, (Reply(self.messages.text("forget_confirm"), buttons),))
            case Command(name="cancel") if in_thread:
                return self.handoff.leave(state)
            case Command(name="cancel") if in_flow:
                return Step(state.reset(), (self.menu(self.messages.text("cancelled")),))
            case Command():
                return Step(state, (self.menu(self.messages.text("help")),))
            case Press(action=action) if action.startswith("bk:"):
                return self._booking_press(state, client, event, action, now)
            case Press(action=action) if (mine := parse_my_action(action)) is not None:
                return self._mine(state, known, *mine, now)
            case Press(action=action) if (ap := parse_ap_action(action)) is not None:
                return self._appointment(state, client, known, *ap, now)
            case Press(action=action):
                return self._press(state, client, action, now, known)
            case _ if in_flow:
                return self.booking.handle(state, client, event, now)
            case Text(text=text):
                return self.faq.text(state.reset(), reading or self.read(text), now)
            case Contact() | NonText():
                return Step(state, (self.menu(self.messages.text("non_text")),))
        raise AssertionError(f"unhandled event {event!r}")

    def topics(self) -> Reply:
        """List every FAQ topic as a button."""
        return self.faq.topics()

    def answer(self, entry: Entry, typed: bool = False) -> Reply:
        """Reply with an FAQ answer and its follow-up button (see `FaqReplies.answer`)."""
        return self.faq.answer(entry, typed)

    def menu(self, text: str) -> Reply:
        """Return a message with the main menu buttons."""
        return menu(self.messages, text)

    def leave_button(self) -> tuple[tuple[Button, ...], ...]:
        """Return the button that ends a thread with staff."""
        return self.handoff.leave_button()

    def _booking_press(
        self, state: Conversation, client: Client, event: Press, action: str, now: datetime
    ) -> Step:
        if self.booking.is_stale(state, action):
            return self.mid.stale(state, client)
        verb = action.split(":")[2]
        if verb == "quit":
            said = Reply(self.messages.text("cancel_confirm"), edit=True)
            return Step(state.reset(), (said, self.menu(self.messages.text("cancelled"))))
        if verb == "stay":
            said = Reply(self.messages.text("kept_going"), edit=True)
            return self.mid.resume(state, client, said)
        if verb == "prev" and state.stage is Stage.CONSENT:
            return Step(state.reset(), (self.menu(self.messages.text("cancelled")),))
        return self.booking.handle(state, client, event, now)

    def _press(
        self, state: Conversation, client: Client, action: str, now: datetime, known: Known
    ) -> Step:
        verb = action.partition(":")[0]
        in_flow = state.stage not in (Stage.IDLE, Stage.HANDOFF)
        if (entry := self.faq.entry(action)) is not None:
            return Step(state, (self.faq.answer(entry),))
        if verb == "miss" or action.startswith("miss#"):
            return self.faq.missed(state, action)
        if verb == "topics":
            return Step(state, (self.faq.topics(),))
        if verb == "ask":
            return Step(state.reset(), (Reply(self.messages.text("ask")),))
        if verb == "book":
            return self._book(state, known, in_flow)
        if verb == "staff":
            return self.handoff.start(state, now)
        if action == thread.LEAVE:
            return self.handoff.leave(state)
        if action == "forget:yes":
            done = Reply(self.messages.text("forget_done"))
            return Step(Conversation(), (done,), (Forget(),))
        if action == "forget:no":
            return Step(state, (Reply(self.messages.text("forget_kept"), edit=True),))
        return self.mid.stale(state, client)

    def _book(self, state: Conversation, known: Known, in_flow: bool, ask: bool = True) -> Step:
        """Start a request; with one open already, first ask whether to add one or change it."""
        if ask and known.requests and not state.hold:
            return self.own.before_booking(state, known)
        step = self.booking.start(state, restarted=in_flow)
        if known.last_details is None or step.state.stage is not Stage.CONSENT:
            return step
        name, phone = known.last_details
        return replace(step, state=replace(step.state, prev_name=name, prev_phone=phone))

    def _appointment(
        self,
        state: Conversation,
        client: Client,
        known: Known,
        verb: str,
        number: int,
        now: datetime,
    ) -> Step:
        """A tap on *Can't make it*, *Reschedule* or *I'll be there*."""
        step = self.appointments.press(state, known, verb, number, now)
        if moving(step.state):
            return replace(step, replies=(*step.replies, self.booking.current(step.state, client)))
        return step

    def _mine(
        self, state: Conversation, known: Known, verb: str, number: int | None, now: datetime
    ) -> Step:
        """A tap about the client's own requests: withdraw one, add another, change one."""
        in_flow = state.stage not in (Stage.IDLE, Stage.HANDOFF)
        if verb == NEW:
            return self._book(state, known, in_flow, ask=False)
        if verb == CHANGE and number is not None:
            return self.handoff.change(state, number, now)
        return self.own.press(state, known, verb, number)
