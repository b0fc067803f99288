"""What the front desk says and does when a typed message speaks of health: pure."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flows.events import ForwardToStaff, SafetyAlert, Step
from flows.messages import Messages
from flows.replies import Button, Reply, rows
from flows.safety import Assessment, SafetyKind
from flows.safety_content import Safety
from flows.screening import Questionnaire
from flows.state import Conversation, Stage

# The FAQ entry offered beside the "check with your doctor" reply, when the KB has it.
CONTRAINDICATIONS = "contraindications"


@dataclass(frozen=True)
class SafetyReplies:
    """Turn an assessment into replies, staff alerts and holds, at any step."""

    safety: Safety
    messages: Messages
    questionnaire: Questionnaire
    faq_button: Button | None = None

    def step(self, state: Conversation, found: Assessment, text: str, resume: Reply | None) -> Step:
        """Reply to a message that speaks of health; `resume` re-shows the step it interrupted."""
        if found.alarm:
            return self._alarm(state, found)
        words = []
        if SafetyKind.DOCTOR in found.kinds:
            words.append(self.safety.messages["doctor"])
        if SafetyKind.CHILD in found.kinds:
            words.append(self.safety.messages["child"])
        said = "\n\n".join(words)
        if state.stage is Stage.HANDOFF:
            return self._handoff(state, found, said, text)
        if resume is not None:
            # Nothing typed here is stored: the client is shown the same step again.
            return Step(state, (Reply(f"{said}\n\n{self.safety.messages['resume']}"), resume))
        return Step(state, (Reply(said, self._buttons(found)),))

    def health_text(self) -> str:
        """Return the reply to a health question the FAQ could not answer."""
        return self.safety.messages["health_no_match"]

    def _alarm(self, state: Conversation, found: Assessment) -> Step:
        replies: list[Reply] = []
        alerts: list[SafetyAlert] = []
        urgent = SafetyKind.EMERGENCY if SafetyKind.EMERGENCY in found.kinds else None
        if urgent is None and SafetyKind.LIMB in found.kinds:
            urgent = SafetyKind.LIMB
        if urgent is not None:
            key = "urgent_emergency" if urgent is SafetyKind.EMERGENCY else "urgent_limb"
            replies.append(Reply(self.questionnaire.messages[key]))
            alerts.append(SafetyAlert(urgent))
        if SafetyKind.CRISIS in found.kinds:
            replies.append(Reply(self.safety.messages["crisis"]))
            alerts.append(SafetyAlert(SafetyKind.CRISIS))
        # Any flow in progress ends; booking waits for staff after an urgent finding.
        new = state.reset()
        if urgent is not None:
            new = replace(new, hold=True)
        return Step(new, tuple(replies), tuple(alerts))

    def _handoff(self, state: Conversation, found: Assessment, said: str, text: str) -> Step:
        if SafetyKind.DOCTOR in found.kinds:
            # Health details are not passed on: staff never see a client's own words about them.
            withheld = self.safety.messages["handoff_withheld"]
            return Step(state, (Reply(f"{said}\n\n{withheld}"),))
        sent = Reply(f"{said}\n\n{self.messages.text('handoff_sent')}")
        return Step(state.reset(), (sent,), (ForwardToStaff(text),))

    def _buttons(self, found: Assessment) -> tuple[tuple[Button, ...], ...]:
        m = self.messages
        buttons = [Button(m.button("staff"), "staff")]
        if SafetyKind.DOCTOR in found.kinds:
            buttons.insert(0, Button(m.button("book"), "book"))
            if self.faq_button is not None:
                buttons.append(self.faq_button)
        return rows(buttons)
