"""The client's confirmed appointments, pure: can't make it, reschedule, I'll be there.

The buttons come on the confirmation, the reminder and /status. Cancelling or moving
inside the late-cancellation window shows the clinic's policy before it is final; a move
asks for new preferred times and changes nothing until they are sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from flows.appointments import spoken
from flows.events import CancelAppointment, Step
from flows.known import Known, OwnAppointment
from flows.messages import Messages
from flows.replies import Button, Reply
from flows.state import Conversation, RequestKind, Stage

_PREFIX = "ap"
CANCEL_ASK = "cx"  # "can't make it": ask to be sure (with the policy when late)
CANCEL = "cxy"  # yes, cancel it
MOVE_ASK = "mv"  # reschedule: late, the policy first; otherwise straight to the times
MOVE = "mvy"  # yes, move it: ask for new preferred times
COMING = "ok"  # "I'll be there" (on the reminder)
KEEP = "keep"  # no, keep it
_VERBS = frozenset({CANCEL_ASK, CANCEL, MOVE_ASK, MOVE, COMING, KEEP})


def ap_action(verb: str, number: int) -> str:
    """Return the data of a button about one of the client's appointments."""
    return f"{_PREFIX}:{verb}:{number}"


def parse_ap_action(data: str) -> tuple[str, int] | None:
    """Read such a button's data: the verb and the request number."""
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != _PREFIX or parts[1] not in _VERBS:
        return None
    return (parts[1], int(parts[2])) if parts[2].isdigit() else None


@dataclass(frozen=True)
class MyAppointments:
    """What the client hears and can do about their confirmed appointments."""

    messages: Messages
    zone: tzinfo
    # Closer than this to the start, cancelling or moving shows the policy first.
    late_window: timedelta = timedelta(hours=24)

    def buttons(self, number: int) -> tuple[tuple[Button, ...], ...]:
        """The buttons under a confirmation: *Can't make it* and *Reschedule*."""
        m = self.messages
        return (
            (
                Button(m.button("cant_make_it"), ap_action(CANCEL_ASK, number)),
                Button(m.button("reschedule"), ap_action(MOVE_ASK, number)),
            ),
        )

    def reminder_buttons(self, number: int) -> tuple[tuple[Button, ...], ...]:
        """The buttons under a reminder: *I'll be there*, *Cancel*, *Reschedule*."""
        m = self.messages
        return (
            (Button(m.button("coming"), ap_action(COMING, number)),),
            (
                Button(m.button("cancel_appointment"), ap_action(CANCEL_ASK, number)),
                Button(m.button("reschedule"), ap_action(MOVE_ASK, number)),
            ),
        )

    def when(self, appointment: OwnAppointment) -> str:
        """Say an appointment's time: e.g. "Tuesday 8 December, 14:30-15:30"."""
        return spoken(appointment.start, appointment.minutes, self.zone)

    def is_late(self, appointment: OwnAppointment, now: datetime) -> bool:
        """Say whether cancelling or moving now is inside the late-cancellation window."""
        return appointment.start - now < self.late_window

    def press(
        self, state: Conversation, known: Known, verb: str, number: int, now: datetime
    ) -> Step:
        """Handle a tap on one of the appointment buttons."""
        m = self.messages
        mine = next((a for a in known.appointments if a.number == number), None)
        n = str(number)
        if mine is None or mine.start <= now:
            # Cancelled or moved meanwhile, started already, or never the client's.
            return Step(state, (Reply(m.text("ap_gone", request_no=n)),))
        when, late = self.when(mine), self.is_late(mine, now)
        policy = m.text("ap_late") if late else ""
        if verb == COMING:
            return Step(state, (Reply(m.text("ap_coming", when=when)),))
        if verb == KEEP:
            return Step(state, (Reply(m.text("ap_kept", when=when), edit=True),))
        if verb == CANCEL_ASK:
            text = "\n\n".join(t for t in (m.text("ap_cancel_ask", when=when), policy) if t)
            buttons = (
                (Button(m.button("cancel_yes_appointment"), ap_action(CANCEL, number)),),
                (Button(m.button("keep_appointment"), ap_action(KEEP, number)),),
            )
            return Step(state, (Reply(text, buttons),))
        if verb == CANCEL:
            done = Reply(m.text("ap_cancelled", when=when, request_no=n), edit=True)
            return Step(state, (done,), (CancelAppointment(number, late),))
        if verb == MOVE_ASK and late:
            text = f"{m.text('ap_move_ask', when=when)}\n\n{policy}"
            buttons = (
                (Button(m.button("move_yes"), ap_action(MOVE, number)),),
                (Button(m.button("keep_appointment"), ap_action(KEEP, number)),),
            )
            return Step(state, (Reply(text, buttons),))
        # Move: new preferred times, in the booking's times step; nothing changes until sent.
        new = Conversation(
            stage=Stage.TIMES,
            flow=state.flow + 1,
            kind=RequestKind.BOOKING,
            moving=number,
            moving_late=late,
            hold=state.hold,
        )
        return Step(new, (Reply(m.text("ap_move_times", when=when)),))

    def status_lines(self, known: Known) -> tuple[list[str], list[tuple[Button, ...]]]:
        """The client's appointments as /status lists them, with their buttons."""
        m = self.messages
        lines: list[str] = []
        buttons: list[tuple[Button, ...]] = []
        for a in known.appointments:
            n = str(a.number)
            lines.append(m.text("my_appointment", request_no=n, when=self.when(a)))
            buttons.append(
                (
                    Button(m.button("ap_cancel_n", request_no=n), ap_action(CANCEL_ASK, a.number)),
                    Button(m.button("ap_move_n", request_no=n), ap_action(MOVE_ASK, a.number)),
                )
            )
        return lines, buttons


def kept(state: Conversation, messages: Messages) -> Step:
    """Leave a move before sending new times: the appointment stays as it was."""
    return Step(state.reset(), (Reply(messages.text("ap_move_left")),))


def moving(state: Conversation) -> bool:
    """Say whether the conversation is asking for new times for a confirmed appointment."""
    return state.moving > 0 and state.stage is Stage.TIMES
