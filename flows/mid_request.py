"""Words typed in the middle of a request: control words, questions, the step again; pure."""

from __future__ import annotations

from dataclasses import dataclass

from faq.matcher import Answer, SmallTalkReply
from flows.appointments import service_typed
from flows.booking import Booking
from flows.details import action, clean_name, clean_phone
from flows.events import Client, Step
from flows.faq_replies import FaqReplies
from flows.menu import menu
from flows.my_appointments import kept
from flows.reading import Reading
from flows.replies import Button, Reply
from flows.state import Conversation, Stage

# The steps where a typed answer is stored (a name, a number, times, areas).
FIELDS = (Stage.NAME, Stage.PHONE, Stage.SERVICE, Stage.TIMES, Stage.AREAS)


@dataclass(frozen=True)
class MidRequest:
    """Read typed words while a request is under way, before they are taken as an answer."""

    faq: FaqReplies
    booking: Booking
    region: str

    def typed(self, state: Conversation, client: Client, reading: Reading) -> Step | None:
        """A control word, or a question answered before the step is shown again.

        Returns None when the text is the answer to the current step (a name, a number).
        """
        text = reading.text
        m = self.faq.messages
        control = m.control(text)
        if state.moving and control in ("cancel", "menu", "back"):
            return kept(state, m)
        if control in ("cancel", "menu"):
            if state.stage is Stage.CONSENT:
                return Step(state.reset(), (menu(m, m.text("cancelled")),))
            buttons = (
                (Button(m.button("cancel_yes"), action(state, "quit")),),
                (Button(m.button("cancel_no"), action(state, "stay")),),
            )
            return Step(state, (Reply(m.text("cancel_confirm"), buttons),))
        if control == "back":
            went = self.booking.back(state, client)
            if went is None:
                return Step(state.reset(), (menu(m, m.text("cancelled")),))
            return went
        if control == "help":
            return self.resume(state, client, Reply(m.text("step_help")))
        decision = reading.decision
        field = state.stage in FIELDS
        asked = m.is_question(text)
        if isinstance(decision, Answer) and (asked or not field or not self._fits(state, text)):
            # Answered, then the same step again: nothing typed here is stored.
            return self.resume(state, client, self.faq.answer(decision.entry))
        if isinstance(decision, SmallTalkReply):
            return self.resume(state, client, Reply(m.text("field_small_talk")))
        if field and asked and state.stage in (Stage.NAME, Stage.PHONE):
            return self.resume(state, client, Reply(m.text("field_question")))
        return None

    def resume(self, state: Conversation, client: Client, said: Reply) -> Step:
        """Say something, then show the step the client was on again, unchanged."""
        return Step(state, (said, self.booking.current(state, client)))

    def stale(self, state: Conversation, client: Client) -> Step:
        """An old button: say so, then the menu or the step the client is on."""
        stale = self.faq.messages.text("stale_button")
        if state.stage in (Stage.IDLE, Stage.HANDOFF):
            return Step(state, (menu(self.faq.messages, stale),))
        return self.resume(state, client, Reply(stale))

    def _fits(self, state: Conversation, text: str) -> bool:
        """Say whether the text could be the answer the current field asks for."""
        if state.stage is Stage.NAME:
            return clean_name(text) is not None
        if state.stage is Stage.PHONE:
            return clean_phone(text, self.region) is not None
        if state.stage is Stage.SERVICE:
            return service_typed(text, self.booking.services) is not None
        return bool(text.strip())
