"""What a client can do (events), what the bot must do besides replying (effects)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.replies import Reply
from flows.safety import SafetyKind
from flows.screening import Level
from flows.state import Conversation, RequestKind


@dataclass(frozen=True)
class Client:
    """Who is writing: ids and the public Telegram profile."""

    user_id: int
    chat_id: int
    first_name: str = ""
    username: str | None = None


@dataclass(frozen=True)
class Text:
    """A text message."""

    text: str


@dataclass(frozen=True)
class Press:
    """A tap on an inline button."""

    action: str


@dataclass(frozen=True)
class Command:
    """A /command, e.g. /start."""

    name: str


@dataclass(frozen=True)
class Contact:
    """A shared contact card; `own` when it is the sender's own number."""

    phone: str
    own: bool


@dataclass(frozen=True)
class NonText:
    """A sticker, photo, voice note or anything else that is not text."""

    kind: str


Event = Text | Press | Command | Contact | NonText


@dataclass(frozen=True)
class LogUnanswered:
    """Record a message the bot could not answer with confidence, or answered wrongly.

    `answered` is the FAQ the bot gave when the client tapped "Not what I asked".
    """

    text: str
    best_id: str | None
    score: float
    answered: str | None = None


@dataclass(frozen=True)
class SubmitRequest:
    """Store a request (booking, call-back or alert) and notify staff about it."""

    kind: RequestKind
    level: Level | None
    flags: tuple[str, ...]
    name: str
    phone: str
    times: str
    concern: str
    consent_at: str | None
    # A booking's session and its length (empty and 0: the client was not sure).
    service: str = ""
    minutes: int = 0


@dataclass(frozen=True)
class UrgentAlert:
    """Tell staff that a client was stopped on a red-flag answer (label only)."""

    flag: str
    consent_at: str | None


@dataclass(frozen=True)
class SafetyAlert:
    """Tell staff that a client typed about an emergency, a limb or a crisis (the kind only)."""

    kind: SafetyKind


@dataclass(frozen=True)
class ForwardToStaff:
    """Send the client's message to the staff chat (human handoff)."""

    text: str


@dataclass(frozen=True)
class WithdrawRequest:
    """Withdraw one of the client's open requests: staff told, its card shown as withdrawn."""

    number: int


@dataclass(frozen=True)
class CancelAppointment:
    """Cancel the client's confirmed appointment (`late`: inside the cancellation window)."""

    number: int
    late: bool


@dataclass(frozen=True)
class MoveAppointment:
    """Free the client's confirmed appointment and reopen its request with new times."""

    number: int
    times: str
    late: bool


@dataclass(frozen=True)
class Forget:
    """Delete everything held about the client, withdraw open requests, tell staff."""


Effect = (
    LogUnanswered
    | SubmitRequest
    | UrgentAlert
    | SafetyAlert
    | ForwardToStaff
    | WithdrawRequest
    | CancelAppointment
    | MoveAppointment
    | Forget
)


@dataclass(frozen=True)
class Step:
    """The outcome of handling one event: the new state, what to say and what to do."""

    state: Conversation
    replies: tuple[Reply, ...] = ()
    effects: tuple[Effect, ...] = field(default=())
