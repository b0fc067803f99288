"""Talking to staff from the client's side: open a thread, pass messages on, leave; pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows import thread
from flows.booking import Booking
from flows.events import Client, ForwardToStaff, Step
from flows.hours import WeekHours
from flows.menu import menu
from flows.messages import Messages
from flows.replies import Button, Reply
from flows.state import Conversation, Stage

# A client's message to staff is passed on whole, up to what Telegram lets them send.
MAX_HANDOFF_CHARS = 4096


@dataclass(frozen=True)
class Handoff:
    """What the client sees while writing to the team, and what is passed on."""

    messages: Messages
    booking: Booking
    hours: WeekHours | None = None

    def leave_button(self) -> tuple[tuple[Button, ...], ...]:
        """Return the button that ends a thread with staff."""
        return ((Button(self.messages.button("leave_thread"), thread.LEAVE),),)

    def start(self, state: Conversation, now: datetime) -> Step:
        """Talk to staff: open a thread, saying when the team will reply if closed now."""
        new = thread.touched(state.reset(), now)
        text = self.messages.text("handoff_ask")
        later = self.hours.reply_when(now) if self.hours is not None else None
        if later is not None:
            text = f"{text}\n\n{later}"
        return Step(new, (Reply(text, self.leave_button()),))

    def leave(self, state: Conversation) -> Step:
        """Back to the assistant: the thread ends and the menu comes back."""
        return Step(thread.leave(state), (menu(self.messages, self.messages.text("thread_left")),))

    def change(self, state: Conversation, number: int, now: datetime) -> Step:
        """ "Change #N" on an own request: a thread to staff, who make the change."""
        said = self.messages.text("my_change", request_no=str(number))
        return Step(thread.touched(state.reset(), now), (Reply(said, self.leave_button()),))

    def thread_text(self, state: Conversation, text: str, now: datetime) -> Step:
        """A message in a thread with staff: passed on, unless it asks to leave."""
        m = self.messages
        control = m.control(text)
        if control in ("cancel", "menu", "back"):
            return self.leave(state)
        if control == "help":
            return Step(state, (Reply(m.text("thread_help"), self.leave_button()),))
        said = Reply(m.text("handoff_sent"), self.leave_button())
        forward = ForwardToStaff(text.strip()[:MAX_HANDOFF_CHARS])
        return Step(thread.touched(state, now), (said,), (forward,))

    def reply_to_staff(
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
