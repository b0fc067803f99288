"""Appointments: a request's preferred times as slot tags, the slots offered, typed times."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flows.appointments import (
    ClosedDay,
    OutsideHours,
    offer,
    possible_choices,
    preferences,
    slot_key,
    slot_label,
    slot_of,
    spoken,
    typed_time_problem,
)
from flows.hours import DayHours
from flows.slots import Tag

LONDON = ZoneInfo("Europe/London")
# The demo clinic: Mon-Wed 9-20, Thu 9-21, Fri 9-18, Sat 10-16, closed Sunday.
DAYS: list[DayHours] = [(540, 1200), (540, 1200), (540, 1200), (540, 1260), (540, 1080),
                        (600, 960), None]  # fmt: skip
LABELS = {
    "weekday_morning": "Weekday mornings",
    "weekday_evening": "Weekday evenings",
    "saturday": "Saturdays",
    "sunday": "Sundays",
    "any": "Any time",
}


class Week:
    days = DAYS
    zone = LONDON


def test_preferences_read_back_the_stored_labels_and_typed_days() -> None:
    assert preferences("Weekday evenings; Saturdays", LABELS) == [
        frozenset({Tag.WEEKDAYS, Tag.EVENING}),
        frozenset({Tag.SATURDAY}),
    ]
    assert preferences("Tuesday or Thursday morning", LABELS) == [
        frozenset({Tag.TUESDAY, Tag.THURSDAY, Tag.MORNING})
    ]
    assert preferences("—", LABELS) == [] and preferences("after work", LABELS) == []


def test_the_offer_takes_any_preference_in_time_order() -> None:
    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday 08:00 in London
    found = offer(Week(), 60, now, [], [frozenset({Tag.SATURDAY}), frozenset({Tag.MORNING})])
    local = [s.astimezone(LONDON) for s in found.starts]
    assert local == sorted(local) and len(local) == 6 and not found.fell_back
    assert all(t.weekday() == 5 or t.hour < 12 for t in local), local
    # A busy hour is not offered; a preference the hours never allow falls back to any time.
    busy = [(found.starts[0], found.starts[0].replace(hour=found.starts[0].hour + 1))]
    assert found.starts[0] not in offer(Week(), 60, now, busy, [frozenset({Tag.MORNING})]).starts
    sunday = offer(Week(), 60, now, [], [frozenset({Tag.SUNDAY})])
    assert sunday.fell_back and len(sunday.starts) == 6


def test_only_choices_the_opening_hours_allow_are_offered() -> None:
    assert possible_choices(LABELS, DAYS) == ["weekday_morning", "weekday_evening", "saturday",
                                              "any"]  # fmt: skip
    open_sunday = [*DAYS[:6], (600, 960)]
    assert "sunday" in possible_choices(LABELS, open_sunday)
    no_evenings = [(540, 1020)] * 5 + [None, None]
    assert possible_choices({**LABELS, "own": "Lunchtimes"}, no_evenings) == [
        "weekday_morning", "any", "own"
    ]  # fmt: skip


def test_typed_times_outside_the_hours_are_found() -> None:
    assert typed_time_problem("Sunday 11am", DAYS) == ClosedDay(6)
    assert typed_time_problem("any weekend", DAYS) == ClosedDay(6)
    assert typed_time_problem("tue 9pm", DAYS) == OutsideHours(21 * 60, 1)
    assert typed_time_problem("7am before work", DAYS) == OutsideHours(7 * 60, None)
    assert typed_time_problem("thursday 20:30", DAYS) is None  # open till 21:00 on Thursdays
    for fine in ("Tuesday after 5 pm", "sat morning", "after work", "mondays 18:30", "asap"):
        assert typed_time_problem(fine, DAYS) is None, fine


def test_times_read_in_the_clinics_zone_across_the_clock_change() -> None:
    summer = datetime(2026, 10, 23, 16, 30, tzinfo=UTC)  # 17:30 in London (BST)
    winter = datetime(2026, 10, 30, 17, 30, tzinfo=UTC)  # 17:30 in London (GMT)
    assert slot_label(summer, LONDON) == "Fri 23 Oct 17:30"
    assert slot_label(winter, LONDON) == "Fri 30 Oct 17:30"
    assert spoken(winter, 90, LONDON) == "Friday 30 October, 17:30–19:00"
    assert slot_of(slot_key(summer), LONDON) == summer
