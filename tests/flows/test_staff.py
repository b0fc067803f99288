"""Staff rules, pure: what each button does to each kind of request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.safety import SafetyKind
from flows.staff import (
    CLIENT_ACTIONS,
    AskTime,
    BookAppointment,
    ReleaseHold,
    RequestFacts,
    SetStatus,
    ShowCard,
    SlotTap,
    StaffAction,
    Status,
    TellClient,
    actions_for,
    button_data,
    other_time,
    other_time_button,
    parse_button,
    parse_other_time,
    parse_slot_button,
    pick_slot,
    press,
    slot_button,
    typed_alert,
    typed_flag,
    typed_kind,
)
from flows.state import RequestKind

A = StaffAction


def facts(kind: RequestKind = RequestKind.BOOKING, level: str = "CLEAR",
          status: Status = Status.OPEN) -> RequestFacts:  # fmt: skip
    return RequestFacts(7, kind, level, status)


@pytest.mark.parametrize(
    ("action", "status", "told"),
    [
        (A.NOTE, Status.NEEDS_NOTE, "staff_needs_note"),
        (A.DECLINE, Status.DECLINED, "staff_declined"),
        (A.CONTACTED, Status.CONTACTED, "staff_contacted"),
    ],
)
def test_each_action_on_a_booking_sets_its_status_and_tells_the_client(
    action: StaffAction, status: Status, told: str
) -> None:
    step = press(facts(), action)
    assert step.effects == (SetStatus(action, status), ShowCard(), TellClient(told))
    assert step.notice.endswith("— request #7.")


def test_confirm_on_a_booking_offers_the_free_slots_and_a_slot_confirms_it() -> None:
    booking = facts()
    assert press(booking, A.CONFIRM).effects == (ShowCard(slots=True),)
    start = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    step = pick_slot(booking, start, taken=False, spoken=False)
    assert step.effects == (
        SetStatus(A.CONFIRM, Status.CONFIRMED),
        BookAppointment(start),
        ShowCard(),
        TellClient("staff_confirmed_at", appointment=True),
    )
    assert step.notice == "✅ Confirmed — request #7."
    # Taken meanwhile: the slots again, nothing stored.
    assert pick_slot(booking, start, taken=True, spoken=False).effects == (ShowCard(slots=True),)
    # A confirmed booking is not confirmed again.
    done = facts(status=Status.CONFIRMED)
    assert pick_slot(done, start, taken=False, spoken=False).effects == (ShowCard(),)
    # Only bookings have a time, or any button but Contacted.
    for kind, level in ((RequestKind.CALLBACK, "NONE"), (RequestKind.URGENT, "URGENT")):
        for action in (A.CONFIRM, A.CONFIRM_SPOKEN, A.NOTE, A.DECLINE):
            assert press(facts(kind, level), action).effects == (), (kind, action)
    assert (
        pick_slot(facts(RequestKind.CALLBACK, "NONE"), start, taken=False, spoken=False).effects
        == ()
    )


def test_slot_buttons_read_back_and_other_data_is_not_one() -> None:
    for spoken in (False, True):
        for anyway in (False, True):
            data = slot_button(7, 29412345, spoken, anyway)
            assert parse_slot_button(data) == SlotTap(7, 29412345, spoken, anyway)
            assert parse_button(data) is None and parse_other_time(data) is None
    for data in ("st:7:confirm", "st:7:at:", "st:x:at:5", "st:7:at:5:6", "xx:7:at:5"):
        assert parse_slot_button(data) is None, data
    assert parse_other_time(other_time_button(7)) == (7, False)
    assert parse_other_time(other_time_button(7, spoken=True)) == (7, True)
    assert parse_other_time("st:7:confirm") is None and parse_button(other_time_button(7)) is None


def test_other_time_waits_for_a_typed_time_only_where_confirm_would() -> None:
    assert other_time(facts(), spoken=False).effects == (AskTime(False),)
    clearance = facts(level="CLEARANCE")
    assert other_time(clearance, spoken=False).effects == ()  # not before the spoken check
    assert other_time(clearance, spoken=True).effects == (AskTime(True),)
    assert other_time(facts(RequestKind.CALLBACK, "NONE"), spoken=False).effects == ()
    assert other_time(facts(status=Status.DECLINED), spoken=False).effects == (ShowCard(),)


def test_a_clearance_booking_asks_for_the_spoken_to_check_before_the_slots() -> None:
    clearance = facts(level="CLEARANCE")
    first = press(clearance, A.CONFIRM)
    assert first.effects == (ShowCard(spoken_check=True),)
    assert actions_for(clearance, spoken_check=True) == [[A.CONFIRM_SPOKEN], [A.BACK]]
    assert press(clearance, A.BACK).effects == (ShowCard(),)
    second = press(clearance, A.CONFIRM_SPOKEN)
    assert second.effects == (ShowCard(spoken_check=True, slots=True),)
    start = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    third = pick_slot(clearance, start, taken=False, spoken=True)
    assert SetStatus(A.CONFIRM_SPOKEN, Status.CONFIRMED) in third.effects
    # A forged slot button without the spoken-to check does nothing.
    assert pick_slot(clearance, start, taken=False, spoken=False).effects == ()
    # Other levels go straight to the slots; a clearance decline needs no check.
    assert press(facts(level="CAUTION"), A.CONFIRM).effects == (ShowCard(slots=True),)
    assert SetStatus(A.DECLINE, Status.DECLINED) in press(clearance, A.DECLINE).effects


def test_alerts_tell_the_client_nothing_and_only_urgent_ones_lift_the_hold() -> None:
    urgent = press(facts(RequestKind.URGENT, "URGENT"), A.CONTACTED)
    assert ReleaseHold() in urgent.effects
    assert not any(isinstance(e, TellClient) for e in urgent.effects)
    crisis = press(facts(RequestKind.CRISIS, "URGENT"), A.CONTACTED)
    assert not any(isinstance(e, TellClient | ReleaseHold) for e in crisis.effects)
    callback = press(facts(RequestKind.CALLBACK, "NONE"), A.CONTACTED)
    assert TellClient("staff_contacted") in callback.effects


@pytest.mark.parametrize("status", [Status.CONFIRMED, Status.DECLINED, Status.WITHDRAWN])
def test_a_final_request_changes_no_more(status: Status) -> None:
    step = press(facts(status=status), A.CONFIRM)
    assert step.effects == (ShowCard(),)
    assert step.notice == f"Request #7 is already {status.value}."
    assert actions_for(facts(status=status)) == []


def test_the_buttons_follow_the_kind_and_status() -> None:
    assert actions_for(facts()) == [[A.CONFIRM, A.NOTE], [A.DECLINE, A.CONTACTED]]
    assert actions_for(facts(RequestKind.URGENT, "URGENT")) == [[A.CONTACTED]]
    assert actions_for(facts(RequestKind.URGENT, "URGENT", Status.CONTACTED)) == []
    assert actions_for(facts(status=Status.NEEDS_NOTE)) != [], "still open to action"


def test_button_data_reads_back_and_anything_else_is_refused() -> None:
    for action in StaffAction:
        if action not in CLIENT_ACTIONS:
            assert parse_button(button_data(12, action)) == (12, action)
    # Withdrawing, cancelling and moving are the client's, from their chat: a staff button
    # (or a forged one) never does them.
    for action in (StaffAction.WITHDRAW, StaffAction.CLIENT_CANCEL, StaffAction.CLIENT_MOVE):
        assert parse_button(button_data(12, action)) is None
    for data in ("st:12:launch", "st:x:confirm", "xx:12:confirm", "st:12", ""):
        assert parse_button(data) is None


def test_typed_alerts_carry_only_their_kind() -> None:
    assert typed_alert(SafetyKind.CRISIS) == (RequestKind.CRISIS, False)
    assert typed_alert(SafetyKind.EMERGENCY) == (RequestKind.URGENT, True)
    assert typed_alert(SafetyKind.LIMB) == (RequestKind.URGENT, True)
    for kind in SafetyKind:
        assert typed_kind(typed_flag(kind)) is kind
    assert typed_kind("chest_pain") is None
