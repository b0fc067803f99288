"""A thread with staff, pure: while it is open the client's messages go to the team.

A thread opens when the client taps Talk to staff or when staff write to them; it is
`Stage.HANDOFF` with the time of its last message (`Conversation.thread_at`). It ends when
the client goes back to the assistant, when staff close it, or after `quiet` without a
message either way.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum

from flows.state import Conversation, Stage

DEFAULT_QUIET = timedelta(hours=12)
LEAVE = "thread:leave"  # the client's "Back to the assistant" button


class StaffWrote(StrEnum):
    """What a staff message to the client adds, beside the staff member's words."""

    OPENED = "thread_opened"  # a thread began: their messages now go to the team
    IN_FLOW = "thread_in_flow"  # mid-request: a Telegram reply reaches the team
    GOING_ON = ""  # the thread was open already: nothing more to say


def is_open(state: Conversation, now: datetime, quiet: timedelta) -> bool:
    """Say whether the client's messages go to staff now."""
    if state.stage is not Stage.HANDOFF:
        return False
    last = _time(state.thread_at)
    return last is None or now - last < quiet


def has_lapsed(state: Conversation, now: datetime, quiet: timedelta) -> bool:
    """Say whether a thread ended because it was quiet for too long."""
    return state.stage is Stage.HANDOFF and not is_open(state, now, quiet)


def touched(state: Conversation, now: datetime) -> Conversation:
    """Return the state with the thread open and its last message now."""
    return replace(state, stage=Stage.HANDOFF, thread_at=now.isoformat(timespec="seconds"))


def staff_wrote(
    state: Conversation, now: datetime, quiet: timedelta
) -> tuple[Conversation, StaffWrote]:
    """Decide what a staff message does to the client's conversation.

    Idle, the thread opens; mid-request, the request goes on undisturbed (a Telegram reply
    to the staff message still reaches staff).
    """
    if is_open(state, now, quiet):
        return touched(state, now), StaffWrote.GOING_ON
    if state.stage in (Stage.IDLE, Stage.HANDOFF):
        return touched(state.reset(), now), StaffWrote.OPENED
    return state, StaffWrote.IN_FLOW


def leave(state: Conversation) -> Conversation:
    """Return the state with the thread ended (the assistant answers again)."""
    return state.reset() if state.stage is Stage.HANDOFF else state


def _time(iso: str) -> datetime | None:
    try:
        return datetime.fromisoformat(iso) if iso else None
    except ValueError:
        return None
