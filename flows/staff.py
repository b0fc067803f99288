"""Staff rules, pure: what each staff button does to a request, and what alerts are raised.

Like the client side, a decision is data: `press` takes a request's kind, level and
status and the button tapped, and returns the notice for staff and the effects (new
status, the card shown again, the client told, a hold lifted). bot/services applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flows.events import SubmitRequest
from flows.safety import SafetyKind
from flows.screening import Level
from flows.state import RequestKind


class Status(StrEnum):
    """Where a request stands."""

    OPEN = "open"
    NEEDS_NOTE = "needs_note"
    CONTACTED = "contacted"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"  # a confirmed appointment the client cancelled

    @property
    def final(self) -> bool:
        """Say whether nothing more can happen to the request."""
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({Status.CONFIRMED, Status.DECLINED, Status.WITHDRAWN, Status.CANCELLED})
OPEN_STATUSES = tuple(s for s in Status if s not in FINAL_STATUSES)


class StaffAction(StrEnum):
    """A staff button on a request card."""

    CONFIRM = "confirm"
    CONFIRM_SPOKEN = "confirm_spoken"  # the second tap of Confirm on a CLEARANCE booking
    NOTE = "note"
    DECLINE = "decline"
    CONTACTED = "contacted"
    BACK = "back"  # leave the spoken-to check without confirming
    WITHDRAW = "withdraw"  # the client's, from their chat: never a button on a staff card
    CLIENT_CANCEL = "client_cancel"  # the client cancelled the appointment (their chat)
    CLIENT_MOVE = "client_move"  # the client asked to move it: the request is open again


@dataclass(frozen=True)
class ActionInfo:
    """What an action does and how staff see it."""

    status: Status
    button: str  # the label on the card
    done: str  # in the card's history and the notice


ACTIONS: dict[StaffAction, ActionInfo] = {
    StaffAction.CONFIRM: ActionInfo(Status.CONFIRMED, "✅ Confirm", "✅ Confirmed"),
    StaffAction.NOTE: ActionInfo(
        Status.NEEDS_NOTE, "🩺 Needs doctor's note", "🩺 Doctor's note asked for"
    ),
    StaffAction.DECLINE: ActionInfo(Status.DECLINED, "✖️ Decline", "✖️ Declined"),
    StaffAction.CONTACTED: ActionInfo(Status.CONTACTED, "📞 Contacted", "📞 Contacted"),
    StaffAction.CONFIRM_SPOKEN: ActionInfo(
        Status.CONFIRMED,
        "✅ Yes, I've spoken to them — confirm",
        "✅ Confirmed (client spoken to about the flagged items)",
    ),
    StaffAction.WITHDRAW: ActionInfo(Status.WITHDRAWN, "", "↩️ Withdrawn"),
    StaffAction.CLIENT_CANCEL: ActionInfo(Status.CANCELLED, "", "❌ Appointment cancelled"),
    StaffAction.CLIENT_MOVE: ActionInfo(Status.OPEN, "", "🔁 Asked to move the appointment"),
}
# The actions only a client takes, from their own chat: never accepted from a button.
CLIENT_ACTIONS = frozenset(
    {StaffAction.WITHDRAW, StaffAction.CLIENT_CANCEL, StaffAction.CLIENT_MOVE}
)
# Who is recorded on a request's card for an action the client took.
BY_CLIENT = "the client"
# The message key the client is sent after each action on a booking or call-back.
# (Confirm on a booking offers its free slots; a slot tells the client staff_confirmed_at.)
CLIENT_TEXTS = {
    StaffAction.NOTE: "staff_needs_note",
    StaffAction.DECLINE: "staff_declined",
    StaffAction.CONTACTED: "staff_contacted",
}
_PREFIX = "st"
_ACTION_VALUES = frozenset(a.value for a in StaffAction)
_TYPED = "typed_"  # the flag of an alert raised by what a client typed: typed_<kind>


@dataclass(frozen=True)
class RequestFacts:
    """What the rules need to know about a request."""

    id: int
    kind: RequestKind
    level: str  # the Level word, or NONE for a call-back
    status: Status


@dataclass(frozen=True)
class SetStatus:
    """Record the action by the staff member and the request's new status."""

    action: StaffAction
    status: Status


@dataclass(frozen=True)
class ShowCard:
    """Show the request's card again where it was tapped (with the spoken-to check, or
    with the free slots to confirm it at)."""

    spoken_check: bool = False
    slots: bool = False


@dataclass(frozen=True)
class BookAppointment:
    """Keep the confirmed appointment's time (busy from then on)."""

    start: datetime


@dataclass(frozen=True)
class DropAppointment:
    """Free the appointment's time: no longer busy, out of the calendar, no reminder."""


@dataclass(frozen=True)
class TellClient:
    """Send the client a message (a key of messages.yaml; {request_no} filled in).

    `appointment`: the confirmation of a time, with *Can't make it* and *Reschedule* and
    the calendar file."""

    key: str
    appointment: bool = False


@dataclass(frozen=True)
class ReleaseHold:
    """Let the client book again: staff have spoken to them."""


@dataclass(frozen=True)
class EndThread:
    """End the client's conversation with staff: the assistant answers them again."""


@dataclass(frozen=True)
class AskTime:
    """Show the card asking staff to reply with the date and time, and wait for it."""

    spoken: bool


StaffEffect = (
    SetStatus
    | ShowCard
    | BookAppointment
    | DropAppointment
    | AskTime
    | TellClient
    | ReleaseHold
    | EndThread
)


@dataclass(frozen=True)
class StaffStep:
    """The outcome of a staff tap: the short notice staff see, and what to do."""

    notice: str
    effects: tuple[StaffEffect, ...] = ()


def button_data(request_id: int, action: StaffAction) -> str:
    """Return the callback data of a staff button."""
    return f"{_PREFIX}:{request_id}:{action.value}"


def parse_button(data: str) -> tuple[int, StaffAction] | None:
    """Read a staff button's callback data; None if it is not one this bot makes."""
    prefix, _, rest = data.partition(":")
    number, _, action = rest.partition(":")
    if prefix != _PREFIX or not number.isdigit() or action not in _ACTION_VALUES:
        return None
    if StaffAction(action) in CLIENT_ACTIONS:
        return None  # only the client withdraws, cancels or moves, from their own chat
    return int(number), StaffAction(action)


# Slot buttons: "st:<request>:<code>:<slot key>". The code says whether the client was
# spoken to about flagged items (a CLEARANCE booking) and whether staff chose to confirm
# a typed time outside the hours or over another appointment anyway.
_SLOT_CODES = {"at": (False, False), "as": (True, False), "fa": (False, True), "fs": (True, True)}
_OTHER_TIME = {"ot": False, "os": True}


@dataclass(frozen=True)
class SlotTap:
    """A tap on a time to confirm a booking at."""

    request_id: int
    key: int  # the slot (see flows.appointments.slot_key)
    spoken: bool  # after the spoken-to check of a CLEARANCE booking
    anyway: bool  # a typed time staff confirm although it is outside hours or overlaps


def slot_button(request_id: int, key: int, spoken: bool = False, anyway: bool = False) -> str:
    """Return the data of a button that confirms a request at a slot."""
    code = next(c for c, flags in _SLOT_CODES.items() if flags == (spoken, anyway))
    return f"{_PREFIX}:{request_id}:{code}:{key}"


def parse_slot_button(data: str) -> SlotTap | None:
    """Read a slot button's data."""
    parts = data.split(":")
    if len(parts) != 4 or parts[0] != _PREFIX or parts[2] not in _SLOT_CODES:
        return None
    if not parts[1].isdigit() or not parts[3].isdigit():
        return None
    spoken, anyway = _SLOT_CODES[parts[2]]
    return SlotTap(int(parts[1]), int(parts[3]), spoken, anyway)


def other_time_button(request_id: int, spoken: bool = False) -> str:
    """Return the data of the *Other time* button: staff type the time instead."""
    code = "os" if spoken else "ot"
    return f"{_PREFIX}:{request_id}:{code}"


def parse_other_time(data: str) -> tuple[int, bool] | None:
    """Read an *Other time* button's data: the request, and whether spoken to."""
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != _PREFIX or parts[2] not in _OTHER_TIME:
        return None
    return (int(parts[1]), _OTHER_TIME[parts[2]]) if parts[1].isdigit() else None


INVALID = StaffStep("That button is no longer valid.")
_THREAD = f"{_PREFIX}:thread:"


def thread_button(handoff_id: int) -> str:
    """Return the data of the button that closes the conversation a client's message is in."""
    return f"{_THREAD}{handoff_id}"


def parse_thread_button(data: str) -> int | None:
    """Read a close-conversation button's data: the client's message it is on."""
    number = data.removeprefix(_THREAD)
    return int(number) if data.startswith(_THREAD) and number.isdigit() else None


def close_thread(is_open: bool) -> StaffStep:
    """Decide what closing a client's conversation does (nothing if it has ended already)."""
    if not is_open:
        return StaffStep("This conversation has ended already.")
    return StaffStep(
        "Conversation closed: the client's messages go to the assistant again.",
        (EndThread(), TellClient("thread_closed")),
    )


def gone(number: int) -> StaffStep:
    """Return the step for a tap on a request that no longer exists."""
    return StaffStep(f"Request #{number} no longer exists (the client may have withdrawn it).")


def needs_spoken_check(req: RequestFacts, action: StaffAction) -> bool:
    """Say whether Confirm must first be confirmed: staff call before a CLEARANCE booking."""
    return (
        action is StaffAction.CONFIRM
        and req.kind is RequestKind.BOOKING
        and req.level == Level.CLEARANCE.word
    )


def press(req: RequestFacts, action: StaffAction) -> StaffStep:
    """Decide what a staff tap does to a request."""
    if req.status.final:
        return StaffStep(f"Request #{req.id} is already {req.status.value}.", (ShowCard(),))
    if action is StaffAction.BACK:
        return StaffStep(f"Request #{req.id}: nothing changed.", (ShowCard(),))
    if needs_spoken_check(req, action):
        return StaffStep(
            "Please confirm you have spoken to the client first.", (ShowCard(spoken_check=True),)
        )
    if req.kind is not RequestKind.BOOKING and action is not StaffAction.CONTACTED:
        return INVALID  # alerts and call-backs have one button (a forged one does nothing)
    if action in (StaffAction.CONFIRM, StaffAction.CONFIRM_SPOKEN):
        spoken = action is StaffAction.CONFIRM_SPOKEN
        return StaffStep(
            "Choose the appointment's time.", (ShowCard(spoken_check=spoken, slots=True),)
        )
    info = ACTIONS[action]
    effects: list[StaffEffect] = [SetStatus(action, info.status), ShowCard()]
    if req.kind is RequestKind.URGENT:
        # The client was stopped on an urgent answer or message: once staff have spoken to
        # them, they may book again. They get no automatic message about it.
        effects.append(ReleaseHold())
    elif req.kind is not RequestKind.CRISIS:
        effects.append(TellClient(CLIENT_TEXTS[action]))
    return StaffStep(f"{info.done} — request #{req.id}.", tuple(effects))


def pick_slot(req: RequestFacts, start: datetime, *, taken: bool, spoken: bool) -> StaffStep:
    """Decide what tapping a free slot on a booking's card does: confirm it at that time
    (`spoken`: after the spoken-to check of a CLEARANCE booking)."""
    if req.status.final:
        return StaffStep(f"Request #{req.id} is already {req.status.value}.", (ShowCard(),))
    if req.kind is not RequestKind.BOOKING or (
        needs_spoken_check(req, StaffAction.CONFIRM) and not spoken
    ):
        return INVALID
    if taken:
        return StaffStep(
            "That time has just been taken: please choose another.",
            (ShowCard(spoken_check=spoken, slots=True),),
        )
    action = StaffAction.CONFIRM_SPOKEN if spoken else StaffAction.CONFIRM
    info = ACTIONS[action]
    return StaffStep(
        f"{info.done} — request #{req.id}.",
        (
            SetStatus(action, info.status),
            BookAppointment(start),
            ShowCard(),
            TellClient("staff_confirmed_at", appointment=True),
        ),
    )


def other_time(req: RequestFacts, spoken: bool) -> StaffStep:
    """Decide what *Other time* on a booking's card does: wait for staff to type the time."""
    if req.status.final:
        return StaffStep(f"Request #{req.id} is already {req.status.value}.", (ShowCard(),))
    if req.kind is not RequestKind.BOOKING or (
        needs_spoken_check(req, StaffAction.CONFIRM) and not spoken
    ):
        return INVALID
    return StaffStep("Reply to the card with the date and time.", (AskTime(spoken),))


def withdraw(req: RequestFacts) -> StaffStep:
    """Decide what a client withdrawing their request does; the notice goes to the staff chat."""
    if req.status.final or req.kind.is_alert:
        return StaffStep(f"Request #{req.id} is already {req.status.value}.")
    info = ACTIONS[StaffAction.WITHDRAW]
    return StaffStep(
        f"↩️ The client withdrew request #{req.id}.",
        (SetStatus(StaffAction.WITHDRAW, info.status), ShowCard()),
    )


def client_cancel(req: RequestFacts, late: bool) -> StaffStep:
    """Decide what a client cancelling their confirmed appointment does (`late`: inside
    the late-cancellation window); the notice goes to the staff chat."""
    return _client_change(req, StaffAction.CLIENT_CANCEL, "cancelled", "cancel", late)


def client_move(req: RequestFacts, late: bool) -> StaffStep:
    """Decide what a client asking to move their confirmed appointment does: the time is
    freed and the request is open again with their new preferred times."""
    return _client_change(req, StaffAction.CLIENT_MOVE, "asked to move", "move", late)


def _client_change(
    req: RequestFacts, action: StaffAction, did: str, verb: str, late: bool
) -> StaffStep:
    if req.status is not Status.CONFIRMED or req.kind is not RequestKind.BOOKING:
        return StaffStep(f"Request #{req.id} has no appointment to {verb}.")
    icon = "❌" if action is StaffAction.CLIENT_CANCEL else "🔁"
    notice = f"{icon} The client {did} the appointment of request #{req.id}"
    notice += " — late: inside the cancellation window." if late else "."
    status = ACTIONS[action].status
    return StaffStep(notice, (SetStatus(action, status), DropAppointment(), ShowCard()))


def actions_for(req: RequestFacts, spoken_check: bool = False) -> list[list[StaffAction]]:
    """Return the buttons (in rows) of a request still open to action."""
    if req.status.final:
        return []
    if spoken_check and needs_spoken_check(req, StaffAction.CONFIRM):
        return [[StaffAction.CONFIRM_SPOKEN], [StaffAction.BACK]]
    if req.kind is not RequestKind.BOOKING:
        # Urgent alerts and call-backs need one thing from staff: a call.
        return [] if req.status is Status.CONTACTED else [[StaffAction.CONTACTED]]
    return [[StaffAction.CONFIRM, StaffAction.NOTE], [StaffAction.DECLINE, StaffAction.CONTACTED]]


def typed_alert(kind: SafetyKind) -> tuple[RequestKind, bool]:
    """Return the alert a typed message raises, and whether booking is held until contacted."""
    if kind is SafetyKind.CRISIS:
        return RequestKind.CRISIS, False
    return RequestKind.URGENT, True


def typed_flag(kind: SafetyKind) -> str:
    """Return the flag an alert carries for a kind of typed message (never the words)."""
    return _TYPED + kind.name.lower()


def is_typed_flag(flag: str) -> bool:
    """Say whether a flag is an alert raised by what a client typed."""
    return flag.startswith(_TYPED)


def typed_kind(flag: str) -> SafetyKind | None:
    """Return the kind of typed message an alert's flag stands for, if it is one."""
    if not is_typed_flag(flag):
        return None
    return SafetyKind.__members__.get(flag.removeprefix(_TYPED).upper())


def action_named(name: str) -> StaffAction | None:
    """Return the staff action a stored name stands for."""
    return StaffAction(name) if name in _ACTION_VALUES else None


def alert_request(kind: RequestKind, flag: str, consent_at: str | None) -> SubmitRequest:
    """Return the request that carries an alert to staff: its kind and one flag, no details."""
    return SubmitRequest(kind, Level.URGENT, (flag,), "", "", "", "", consent_at)
