"""Booking: consent → health checklists → details → confirm, as step(state, event)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from flows.appointments import Service
from flows.details import DEFAULT_REGION, Details, action
from flows.events import Client, Contact, Event, NonText, Press, Step, Text, UrgentAlert
from flows.hours import WeekHours
from flows.messages import Messages
from flows.my_appointments import kept
from flows.replies import Button, Reply
from flows.screening import Level, Questionnaire
from flows.state import Conversation, RequestKind, Stage

DETAIL_STAGES = (
    Stage.NAME, Stage.PHONE, Stage.SERVICE, Stage.TIMES, Stage.AREAS, Stage.CONFIRM,
)  # fmt: skip


@dataclass(frozen=True)
class Booking:
    """The appointment-request conversation; pure: no I/O, no clock, no randomness."""

    questionnaire: Questionnaire
    messages: Messages
    region: str = DEFAULT_REGION
    # The opening hours, for the preferred times offered and read (None: any time).
    hours: WeekHours | None = None
    # The sessions a client can book (none: the booking does not ask).
    services: tuple[Service, ...] = ()

    @property
    def details(self) -> Details:
        """Return the details part of the flow (name, phone, session, times, focus, summary)."""
        return Details(self.questionnaire, self.messages, self.region, self.hours, self.services)

    def start(self, state: Conversation, restarted: bool = False) -> Step:
        """Begin a request: disclaimer and consent (or the hold message after an urgent stop)."""
        if state.hold:
            staff = Button(self.messages.button("staff"), "staff")
            return Step(state.reset(), (Reply(self.messages.text("hold"), ((staff,),)),))
        new = Conversation(stage=Stage.CONSENT, flow=state.flow + 1)
        text = self._consent_text()
        buttons = (
            (Button(self.messages.button("agree"), action(new, "ok")),),
            (Button(self.messages.button("call_me"), action(new, "call")),),
        )
        replies = (Reply(self.messages.text("restarted")),) if restarted else ()
        return Step(new, (*replies, Reply(text, buttons)))

    def handle(self, state: Conversation, client: Client, event: Event, now: datetime) -> Step:
        """Handle an event while a request is in progress."""
        if isinstance(event, Press):
            return self._press(state, client, event.action, now)
        if state.stage in DETAIL_STAGES and isinstance(event, Text | Contact):
            return self.details.handle(state, client, event)
        if isinstance(event, NonText) and state.stage in DETAIL_STAGES:
            return Step(state, (self.current(state, client),))
        key = "use_buttons_consent" if state.stage is Stage.CONSENT else "use_buttons"
        return Step(state, (Reply(self.messages.text(key)), self.current(state, client)))

    def current(self, state: Conversation, client: Client) -> Reply:
        """Show again the step the client is on."""
        if state.stage is Stage.CONSENT:
            return self.start(replace(state, flow=state.flow - 1)).replies[-1]
        if state.stage is Stage.CHECK:
            return self._checklist(state)
        return self.details.ask(state, client)

    def back(self, state: Conversation, client: Client) -> Step | None:
        """Go back one step (None at consent: there is nothing before it but the menu)."""
        if state.stage is Stage.CONSENT:
            return None
        if state.moving:
            return kept(state, self.messages)
        if state.stage is Stage.CHECK and state.group == 0:
            new = replace(state, stage=Stage.CONSENT, selected=(), flags=(), consent_at=None)
            return Step(new, (self.current(new, client),))
        if state.stage is Stage.CHECK:
            return self._reopen(state, state.group - 1)
        if state.editing:
            new = replace(state, stage=Stage.CONFIRM, editing=False)
        elif state.stage is Stage.NAME and state.kind is RequestKind.CALLBACK:
            new = replace(state, stage=Stage.CONSENT)
        elif state.stage is Stage.NAME:
            return self._reopen(state, len(self.questionnaire.checklists) - 1)
        else:
            earlier = DETAIL_STAGES[: DETAIL_STAGES.index(state.stage)]
            if not self.services:
                earlier = tuple(s for s in earlier if s is not Stage.SERVICE)
            new = replace(state, stage=earlier[-1])
        return Step(new, (self.current(new, client),))

    def _reopen(self, state: Conversation, group: int) -> Step:
        """Show a health-check page again with its answers ticked, to be answered afresh."""
        items = {i.id for i in self.questionnaire.checklists[group].items}
        selected = tuple(f for f in state.flags if f in items)
        # A "not sure" from an earlier page is kept: when in doubt, the stricter outcome.
        flags = tuple(f for f in state.flags if f not in items)
        new = replace(state, stage=Stage.CHECK, group=group, selected=selected, flags=flags)
        return Step(new, (self._checklist(new),))

    def is_stale(self, state: Conversation, press_action: str) -> bool:
        """Say whether a booking button belongs to an earlier or finished flow."""
        parts = press_action.split(":")
        return len(parts) < 3 or parts[1] != str(state.flow) or state.stage is Stage.IDLE

    def _press(self, state: Conversation, client: Client, act: str, now: datetime) -> Step:
        _, _, verb, *rest = act.split(":", 3)
        arg = rest[0] if rest else ""
        if state.stage is Stage.CONSENT and verb in ("ok", "call"):
            agreed = verb == "ok"
            new = replace(
                state,
                stage=Stage.CHECK if agreed else Stage.NAME,
                kind=RequestKind.BOOKING if agreed else RequestKind.CALLBACK,
                consent_at=now.isoformat(timespec="seconds") if agreed else None,
            )
            chosen = self.messages.button("agree" if agreed else "call_me")
            noted = Reply(f"{self._consent_text()}\n\n→ {chosen}", edit=True)
            nxt = self._checklist(new) if agreed else self.details.ask(new, client)
            return Step(new, (noted, nxt))
        if verb == "prev" and (state.stage is not Stage.CHECK or arg == str(state.group)):
            went = self.back(state, client)
            if went is not None:
                return went
        if state.stage is Stage.CHECK and arg.split(".")[0] == str(state.group):
            return self._check(state, client, verb, arg.partition(".")[2])
        if state.stage in DETAIL_STAGES:
            return self.details.press(state, client, verb, arg)
        return Step(state, (Reply(self.messages.text("stale_button")), self.current(state, client)))

    def _consent_text(self) -> str:
        return f"{self.questionnaire.messages['disclaimer']}\n\n{self.messages.text('consent')}"

    def _check(self, state: Conversation, client: Client, verb: str, item_id: str) -> Step:
        checklist = self.questionnaire.checklists[state.group]
        if verb == "t":
            item = next((i for i in checklist.items if i.id == item_id), None)
            if item is None:
                return Step(state, (self._checklist(state),))
            if item.level is Level.URGENT:
                return self._urgent(state, item.id)
            selected = tuple(
                i.id for i in checklist.items if (i.id in state.selected) != (i.id == item_id)
            )
            new = replace(state, selected=selected)
            return Step(new, (replace(self._checklist(new), edit=True),))
        chosen = () if verb == "none" else state.selected
        urgent_list = any(i.level is Level.URGENT for i in checklist.items)
        unsure = self.questionnaire.unsure_urgent if urgent_list else self.questionnaire.unsure
        if verb == "unsure":
            chosen = (*chosen, unsure.id)
        flags = tuple(dict.fromkeys((*state.flags, *chosen)))
        labels = [self.questionnaire.labels([f])[0] for f in chosen]
        noted = Reply(
            f"{checklist.intro}\n{self.messages.text('checklist_noted')} "
            + (", ".join(labels) or self.messages.button("none")),
            edit=True,
        )
        # Doubt about red-flag symptoms: the emergency line first, then the check goes on.
        extra: tuple[Reply, ...] = ()
        if verb == "unsure" and unsure.message:
            extra = (Reply(self.questionnaire.messages[unsure.message]),)
        if state.group + 1 < len(self.questionnaire.checklists):
            new = replace(state, group=state.group + 1, selected=(), flags=flags)
            return Step(new, (noted, *extra, self._checklist(new)))
        new = replace(state, stage=Stage.NAME, selected=(), flags=flags)
        return Step(new, (noted, *extra, self.details.ask(new, client)))

    def _urgent(self, state: Conversation, item_id: str) -> Step:
        item = self.questionnaire.item(item_id)
        assert item is not None
        checklist = self.questionnaire.checklists[state.group]
        noted = Reply(f"{checklist.intro}\n{self.messages.text('checklist_noted')}", edit=True)
        stop = Reply(self.questionnaire.messages[item.message])
        # The hold stops a new check from undoing this outcome until staff clear it.
        new = replace(state.reset(), hold=True)
        return Step(new, (noted, stop), (UrgentAlert(item.id, state.consent_at),))

    def _checklist(self, state: Conversation) -> Reply:
        checklist = self.questionnaire.checklists[state.group]
        # Each label stands beside its full question, so a short label is never read alone.
        questions = "\n".join(f"• {item.label}: {item.question}" for item in checklist.items)
        text = f"{checklist.intro}\n\n{questions}\n\n{self.messages.text('checklist_hint')}"
        g = state.group
        buttons: list[tuple[Button, ...]] = [
            (
                Button(
                    ("✅ " if i.id in state.selected else "") + i.label,
                    action(state, "t", f"{g}.{i.id}"),
                ),
            )
            for i in checklist.items
        ]
        buttons.append(
            (
                Button(self.messages.button("none"), action(state, "none", str(g))),
                Button(self.messages.button("done"), action(state, "done", str(g))),
            )
        )
        buttons.append((Button(self.questionnaire.unsure.label, action(state, "unsure", str(g))),))
        buttons.append((Button(self.messages.button("back"), action(state, "prev", str(g))),))
        return Reply(text, tuple(buttons))
