"""What the bot knows about a client beyond the conversation, passed in by the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows.staff import Status
from flows.state import RequestKind


@dataclass(frozen=True)
class OwnRequest:
    """One of the client's requests still open (a booking or a call-back)."""

    number: int
    kind: RequestKind
    status: Status


@dataclass(frozen=True)
class OwnAppointment:
    """One of the client's confirmed appointments that has not started yet."""

    number: int  # its request
    start: datetime
    minutes: int
    service: str


@dataclass(frozen=True)
class Known:
    """Facts the front desk needs and cannot know from the conversation alone."""

    # The message is a Telegram reply to a message from staff: it always reaches them.
    reply_to_staff: bool = False
    # The client's open bookings and call-backs, oldest first.
    requests: tuple[OwnRequest, ...] = ()
    # The name and phone of the client's latest request, for a second one in one tap.
    last_details: tuple[str, str] | None = None
    # The client's confirmed appointments still ahead, earliest first.
    appointments: tuple[OwnAppointment, ...] = ()
