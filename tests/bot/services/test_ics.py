"""The client's .ics file: it reads back with icalendar, at the clinic's time across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from bot.config.clinic import load_clinic
from bot.services.ics import appointment_ics, appointment_uid, ics_file_name

CLINIC = load_clinic()  # Europe/London
LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2026, 10, 20, 8, tzinfo=UTC)


def read(data: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(data)
    events = calendar.events
    assert len(events) == 1
    return calendar, events[0]


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        # The clocks go back at 02:00 on Sunday 25 October 2026 (last Sunday of October).
        (datetime(2026, 10, 24, 10, 30, tzinfo=LONDON), datetime(2026, 10, 24, 9, 30, tzinfo=UTC)),
        (datetime(2026, 10, 26, 10, 30, tzinfo=LONDON), datetime(2026, 10, 26, 10, 30, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_the_file_reads_back_at_the_clinics_time_either_side_of_the_clock_change(
    local: datetime, utc: datetime
) -> None:
    data = appointment_ics(
        CLINIC, 12, utc, utc + timedelta(minutes=60), "60-minute massage", stamp=STAMP
    )
    calendar, event = read(data)
    assert calendar["METHOD"] == "PUBLISH"
    assert event.start == local and event.end == local + timedelta(minutes=60)
    assert event.start.astimezone(UTC) == utc
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert (event.start.hour, event.start.minute) == (10, 30)  # the same wall-clock time
    # The zone's description travels with the file and has the change in it.
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    assert b"20261025T020000" in data
    assert calendar.get_missing_tzids() == set()


def test_the_file_says_what_where_and_the_policy_and_nothing_of_the_client() -> None:
    start = datetime(2026, 12, 8, 14, tzinfo=UTC)
    data = appointment_ics(CLINIC, 12, start, start + timedelta(minutes=90), "90-minute massage")
    _, event = read(data)
    assert event.uid == appointment_uid(12, CLINIC) == "request-12@knot-free-clinic-demo"
    assert event.summary == "90-minute massage at Knot Free Clinic (demo)"
    assert event["LOCATION"] == CLINIC.text["address"]
    assert CLINIC.text["directions"] in event["DESCRIPTION"]
    assert CLINIC.text["cancellation_policy"] in event["DESCRIPTION"]
    assert event.sequence == 0 and event["STATUS"] == "CONFIRMED"
    assert event.duration == timedelta(minutes=90)
    assert ics_file_name(12) == "appointment-12.ics"


def test_a_move_bumps_the_sequence_and_a_cancellation_cancels_the_same_event() -> None:
    start = datetime(2026, 12, 8, 14, tzinfo=UTC)
    end = start + timedelta(hours=1)
    first = appointment_ics(CLINIC, 12, start, end, "60-minute massage", stamp=STAMP)
    moved = appointment_ics(
        CLINIC, 12, start + timedelta(days=1), end + timedelta(days=1), "60-minute massage",
        sequence=1, stamp=STAMP,
    )  # fmt: skip
    cancelled = appointment_ics(
        CLINIC, 12, start + timedelta(days=1), end + timedelta(days=1), "60-minute massage",
        sequence=2, cancelled=True, stamp=STAMP,
    )  # fmt: skip
    events = [read(data)[1] for data in (first, moved, cancelled)]
    assert {e.uid for e in events} == {"request-12@knot-free-clinic-demo"}
    assert [e.sequence for e in events] == [0, 1, 2]
    calendar, gone = read(cancelled)
    assert calendar["METHOD"] == "CANCEL" and gone["STATUS"] == "CANCELLED"
    # The same input makes the same bytes.
    assert first == appointment_ics(CLINIC, 12, start, end, "60-minute massage", stamp=STAMP)


def test_times_must_be_aware_and_in_order() -> None:
    naive = datetime(2026, 12, 8, 14)
    with pytest.raises(ValueError, match="aware"):
        appointment_ics(CLINIC, 1, naive, naive + timedelta(hours=1), "massage")
    start = datetime(2026, 12, 8, 14, tzinfo=UTC)
    with pytest.raises(ValueError, match="end after"):
        appointment_ics(CLINIC, 1, start, start, "massage")
