"""Over the cap on messages to staff: what is dropped, what the client is told, what stays."""

from __future__ import annotations

from flows.events import ForwardToStaff, LogUnanswered, SafetyAlert, Step, SubmitRequest
from flows.replies import Reply
from flows.safety import SafetyKind
from flows.staff_cap import over_cap, staff_bound
from flows.state import Conversation

CAPPED = "Our team already has your messages."
REQUEST = SubmitRequest("booking", None, (), "Ann", "07700 900123", "any", "neck", None)


def test_handoffs_and_requests_count_and_safety_alerts_do_not() -> None:
    step = Step(
        Conversation(), effects=(ForwardToStaff("hi"), REQUEST, SafetyAlert(SafetyKind.CRISIS))
    )
    assert staff_bound(step) == 2
    assert staff_bound(Step(Conversation(), effects=(SafetyAlert(SafetyKind.EMERGENCY),))) == 0


def test_over_the_cap_a_handoff_is_dropped_and_the_sent_reply_replaced() -> None:
    unanswered = LogUnanswered("hi", None, 0.0)
    step = Step(Conversation(), (Reply("Sent ✅"),), (ForwardToStaff("hi"), unanswered))
    capped = over_cap(step, CAPPED)
    assert capped.replies == (Reply(CAPPED),)
    assert capped.effects == (unanswered,)
    assert capped.state == step.state


def test_over_the_cap_what_a_safety_alert_says_is_kept() -> None:
    crisis = Reply("Please call the crisis line on 116 123.")
    step = Step(Conversation(), (crisis,), (SafetyAlert(SafetyKind.CRISIS), ForwardToStaff("x")))
    capped = over_cap(step, CAPPED)
    assert capped.replies == (crisis, Reply(CAPPED))
    assert capped.effects == (SafetyAlert(SafetyKind.CRISIS),)
