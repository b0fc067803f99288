"""A client's conversation state: a small value stored as JSON between messages."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Self


class Stage(StrEnum):
    """Where the client is in the conversation."""

    IDLE = "idle"
    CONSENT = "consent"
    CHECK = "check"
    NAME = "name"
    PHONE = "phone"
    SERVICE = "service"  # which session (and so how long), from the clinic's prices
    TIMES = "times"
    AREAS = "areas"
    CONFIRM = "confirm"
    HANDOFF = "handoff"  # a thread with staff: messages go to the team (flows/thread.py)


class RequestKind(StrEnum):
    """What a request asks of staff: a booking or a call-back, or an alert to act on."""

    BOOKING = "booking"
    CALLBACK = "callback"
    URGENT = "urgent"  # a red-flag answer or typed symptoms: booking held until contacted
    CRISIS = "crisis"  # typed about suicide or self-harm: staff reach out

    @property
    def is_alert(self) -> bool:
        """Say whether this is an alert, which goes ahead of everything else for staff."""
        return self in (RequestKind.URGENT, RequestKind.CRISIS)


@dataclass(frozen=True)
class Conversation:
    """Everything remembered about a client's current conversation."""

    stage: Stage = Stage.IDLE
    flow: int = 0
    kind: RequestKind = RequestKind.BOOKING
    group: int = 0
    selected: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    consent_at: str | None = None
    name: str = ""
    phone: str = ""
    # The session chosen (its label in the prices) and its length; 0: not sure yet.
    service: str = ""
    minutes: int = 0
    times: tuple[str, ...] = ()
    times_note: str = ""
    areas: tuple[str, ...] = ()
    note: str = ""
    editing: bool = False
    hold: bool = False
    # The last typed question answered from the FAQ, for a "Not what I asked" tap.
    asked: str = ""
    # The name and phone of the client's last request, offered again in one tap.
    prev_name: str = ""
    prev_phone: str = ""
    # Moving a confirmed appointment: its request, and whether inside the cancellation
    # window (new preferred times are asked for; nothing changes until they are sent).
    moving: int = 0
    moving_late: bool = False
    # The time of the last message in a thread with staff (ISO, UTC), empty before the first.
    thread_at: str = ""

    def to_json(self) -> str:
        """Serialise to compact JSON."""
        # Every field is a plain value or a tuple of strings: no deep copy (asdict) needed.
        return json.dumps(
            {name: getattr(self, name) for name in _EXPECTED},
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str | None) -> Self:
        """Parse stored JSON; anything unreadable becomes a fresh conversation."""
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                return cls()
            values: dict[str, Any] = {}
            for name, expected in _EXPECTED.items():
                if name not in data:
                    continue
                value = data[name]
                value = tuple(value) if isinstance(value, list) else value
                if expected is not None and not isinstance(value, expected):
                    return cls()
                values[name] = value
            if "stage" in values:
                values["stage"] = Stage(values["stage"])
            if "kind" in values:
                values["kind"] = RequestKind(values["kind"])
            return cls(**values)
        except (ValueError, TypeError):
            return cls()

    def reset(self) -> Conversation:
        """Return an idle conversation that keeps only what outlives a flow."""
        return Conversation(flow=self.flow, hold=self.hold)


def _expected_types() -> dict[str, type | None]:
    """Each field's stored type, from its default (None: any value, the default is None)."""
    fresh = Conversation()
    expected: dict[str, type | None] = {}
    for f in fields(Conversation):
        default = getattr(fresh, f.name)
        if default is None:
            expected[f.name] = None
        else:
            expected[f.name] = str if isinstance(default, StrEnum) else type(default)
    return expected


_EXPECTED = _expected_types()
