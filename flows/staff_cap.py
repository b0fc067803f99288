"""The per-client cap on messages to staff: what counts, and what is done over it; pure."""

from __future__ import annotations

from dataclasses import replace

from flows.events import ForwardToStaff, SafetyAlert, Step, SubmitRequest, UrgentAlert
from flows.replies import Reply

# What a client sends staff of their own accord. Safety alerts are never counted or capped.
COUNTED = (ForwardToStaff, SubmitRequest)


def staff_bound(step: Step) -> int:
    """Return how many messages to staff a step would send that count against the cap."""
    return sum(isinstance(effect, COUNTED) for effect in step.effects)


def over_cap(step: Step, text: str) -> Step:
    """Send staff nothing more that counts; tell the client (`text`) the team has their messages.

    The step's own replies are replaced, since they say the message was passed on, unless
    the step also alerts staff about safety: then what it says (the emergency number, the
    crisis line) stays, and `text` follows it.
    """
    kept = tuple(effect for effect in step.effects if not isinstance(effect, COUNTED))
    said = Reply(text)
    alerting = any(isinstance(effect, SafetyAlert | UrgentAlert) for effect in kept)
    return replace(step, replies=(*step.replies, said) if alerting else (said,), effects=kept)
