"""Typed dates and times, read in the clinic's zone against a fixed now."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from flows.when import At, DateOrder, NotRead, Reason, read_when, wall_clock

LONDON = ZoneInfo("Europe/London")
# Monday 7 December 2026, 08:00 in London (GMT, so the same as UTC).
MONDAY_8AM = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
BST = timezone(timedelta(hours=1))


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local_moment(text: str, now: datetime = MONDAY_8AM, **options: DateOrder) -> datetime:
    reading = read_when(text, now, LONDON, **options)
    assert isinstance(reading, At), f"{text!r} gave {reading}"
    assert reading.moment.tzinfo is LONDON
    return reading.moment


def moment_of(text: str, now: datetime = MONDAY_8AM, **options: DateOrder) -> datetime:
    """The instant read, in UTC (an ambiguous local time never equals another zone's)."""
    return local_moment(text, now, **options).astimezone(UTC)


def reason_of(text: str, now: datetime = MONDAY_8AM) -> Reason:
    reading = read_when(text, now, LONDON)
    assert isinstance(reading, NotRead), f"{text!r} gave {reading}"
    return reading.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue 14:30", utc(2026, 12, 8, 14, 30)),
        ("tuesday 2pm", utc(2026, 12, 8, 14, 0)),
        ("TUESDAY 2 PM", utc(2026, 12, 8, 14, 0)),
        ("tues 2.30 p.m.", utc(2026, 12, 8, 14, 30)),
        ("2pm tuesday", utc(2026, 12, 8, 14, 0)),
        ("on Tuesday at 14:30", utc(2026, 12, 8, 14, 30)),
        ("8/12 10am", utc(2026, 12, 8, 10, 0)),
        ("8/12/2026 10:00", utc(2026, 12, 8, 10, 0)),
        ("8/12/26 10:00", utc(2026, 12, 8, 10, 0)),
        ("08.12 10.30", utc(2026, 12, 8, 10, 30)),
        ("08.12.2026, 10.30", utc(2026, 12, 8, 10, 30)),
        ("8-12 10:30", utc(2026, 12, 8, 10, 30)),
        ("10am 8/12", utc(2026, 12, 8, 10, 0)),
        ("8/12 10", utc(2026, 12, 8, 10, 0)),
        ("9 dec 11:00", utc(2026, 12, 9, 11, 0)),
        ("9th December 2026 11am", utc(2026, 12, 9, 11, 0)),
        ("dec 9th 11am", utc(2026, 12, 9, 11, 0)),
        ("tomorrow 9", utc(2026, 12, 8, 9, 0)),
        ("tomorrow at 9:15", utc(2026, 12, 8, 9, 15)),
        ("noon tomorrow", utc(2026, 12, 8, 12, 0)),
        ("12am tomorrow", utc(2026, 12, 8, 0, 0)),
        ("today 16:15", utc(2026, 12, 7, 16, 15)),
        ("Today 8:01", utc(2026, 12, 7, 8, 1)),
        ("14:30", utc(2026, 12, 7, 14, 30)),
        ("10.30", utc(2026, 12, 7, 10, 30)),
        ("10am", utc(2026, 12, 7, 10, 0)),
        ("12pm", utc(2026, 12, 7, 12, 0)),
        ("7 pm", utc(2026, 12, 7, 19, 0)),
        ("midday", utc(2026, 12, 7, 12, 0)),
    ],
)
def test_every_accepted_shape_gives_the_moment_meant(text: str, expected: datetime) -> None:
    assert moment_of(text) == expected


def test_the_moment_is_in_the_clinic_zone_on_its_wall_clock() -> None:
    moment = local_moment("8/12 10am", now=datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    assert (moment.hour, moment.minute, moment.fold) == (10, 0, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Monday 8:00 now: today's Monday only while the time is still ahead.
        ("mon 9:00", utc(2026, 12, 7, 9, 0)),
        ("monday 7:00", utc(2026, 12, 14, 7, 0)),
        ("mon 8:00", utc(2026, 12, 14, 8, 0)),
        ("sun 10:00", utc(2026, 12, 13, 10, 0)),
        ("fri 9am", utc(2026, 12, 11, 9, 0)),
    ],
)
def test_a_weekday_is_the_next_such_day(text: str, expected: datetime) -> None:
    assert moment_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1/1 10:00", utc(2027, 1, 1, 10, 0)),
        # Today's date but the time has gone: the same day next year.
        ("7/12 7:00", utc(2027, 12, 7, 7, 0)),
        ("7/12 9:00", utc(2026, 12, 7, 9, 0)),
        # 12 August has gone this year; next year's is in summer time.
        ("12/8 10am", datetime(2027, 8, 12, 10, 0, tzinfo=BST)),
        # The next 29 February is in 2028.
        ("29/2 9am", utc(2028, 2, 29, 9, 0)),
    ],
)
def test_a_date_without_a_year_is_its_next_occurrence(text: str, expected: datetime) -> None:
    assert moment_of(text) == expected


def test_the_order_of_day_and_month_is_a_parameter() -> None:
    assert moment_of("12/8 10am", order=DateOrder.MONTH_FIRST) == utc(2026, 12, 8, 10, 0)
    assert moment_of("8/12 10am", order=DateOrder.MONTH_FIRST) == datetime(
        2027, 8, 12, 10, 0, tzinfo=BST
    )


def test_today_is_the_clinic_s_day_not_utc_s() -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London.
    now = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert moment_of("today 10:00", now) == datetime(2026, 7, 1, 10, 0, tzinfo=BST)
    assert moment_of("wed 10:00", now) == datetime(2026, 7, 1, 10, 0, tzinfo=BST)


def test_a_time_gone_by_is_past_and_says_the_moment_understood() -> None:
    reading = read_when("7:00", MONDAY_8AM, LONDON)
    assert reading == NotRead(Reason.PAST, utc(2026, 12, 7, 7, 0))


@pytest.mark.parametrize(
    "text", ["today 7:00", "7am", "8:00", "today 8am", "8/12/2025 10:00", "6/12/2026 18:00"]
)
def test_past_times_are_refused(text: str) -> None:
    assert reason_of(text) is Reason.PAST


@pytest.mark.parametrize("text", ["tomorrow", "tue", "8/12", "9 dec", "8/12/2026"])
def test_a_day_without_a_time_is_no_time(text: str) -> None:
    assert reason_of(text) is Reason.NO_TIME


@pytest.mark.parametrize(
    "text",
    ["31/2 10:00", "30/2", "32/1 9am", "5/13 9am", "0/5 9am", "29/2/2027 10:00", "31 apr 10am"],
)
def test_an_impossible_date_is_an_invalid_date(text: str) -> None:
    assert reason_of(text) is Reason.INVALID_DATE


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soon",
        "9",  # a bare hour needs a day
        "25:00",
        "14:75",
        "13pm",
        "0am",
        "next tuesday 2pm",
        "tue 2pm and wed",
        "tomorrow 9 10",
        "funday 10am",
    ],
)
def test_anything_else_is_unreadable(text: str) -> None:
    assert reason_of(text) is Reason.UNREADABLE


# The clocks go forward at 01:00 UTC on Sunday 29 March 2026 (01:00 local becomes 02:00)
# and back at 01:00 UTC on Sunday 25 October 2026 (02:00 BST becomes 01:00 GMT).
BEFORE_SPRING = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
BEFORE_AUTUMN = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sat 9:00", utc(2026, 3, 28, 9, 0)),
        ("sun 0:30", utc(2026, 3, 29, 0, 30)),
        ("sun 2:00", utc(2026, 3, 29, 1, 0)),
        ("mon 9:00", utc(2026, 3, 30, 8, 0)),
        ("30/3 9am", utc(2026, 3, 30, 8, 0)),
    ],
)
def test_the_spring_change_keeps_wall_clock_times(text: str, expected: datetime) -> None:
    assert moment_of(text, BEFORE_SPRING) == expected


@pytest.mark.parametrize("text", ["29/3 1:30", "sun 1:00", "sunday 1.59", "29/3/2026 1am"])
def test_a_time_the_clocks_skip_is_not_a_real_time(text: str) -> None:
    assert reason_of(text, BEFORE_SPRING) is Reason.NOT_A_REAL_TIME


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sat 9:00", utc(2026, 10, 24, 8, 0)),
        # 01:30 happens twice: the first, still in summer time.
        ("25/10 1:30", utc(2026, 10, 25, 0, 30)),
        ("sun 1am", utc(2026, 10, 25, 0, 0)),
        ("sun 2:30", utc(2026, 10, 25, 2, 30)),
        ("mon 9:00", utc(2026, 10, 26, 9, 0)),
    ],
)
def test_the_autumn_change_takes_the_first_of_a_repeated_time(
    text: str, expected: datetime
) -> None:
    moment = local_moment(text, BEFORE_AUTUMN)
    assert moment.astimezone(UTC) == expected
    assert moment.fold == 0


def test_during_the_repeated_hour_its_first_pass_is_past() -> None:
    # 01:10 GMT, the second time the clocks show 01:10: 01:30 is read as 01:30 BST.
    now = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)
    reading = read_when("today 1:30", now, LONDON)
    assert isinstance(reading, NotRead)
    assert reading.reason is Reason.PAST
    assert reading.moment is not None
    assert reading.moment.astimezone(UTC) == utc(2026, 10, 25, 0, 30)
    assert moment_of("today 2:00", now) == utc(2026, 10, 25, 2, 0)


def test_now_must_have_a_time_zone() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        read_when("tomorrow 9", datetime(2026, 12, 7, 8, 0), LONDON)


@pytest.mark.parametrize(
    ("day", "minute", "expected"),
    [
        (date(2026, 3, 29), 120, utc(2026, 3, 29, 1, 0)),
        (date(2026, 10, 25), 90, utc(2026, 10, 25, 0, 30)),
        (date(2026, 10, 25), 120, utc(2026, 10, 25, 2, 0)),
        (date(2026, 12, 7), 24 * 60, utc(2026, 12, 8, 0, 0)),
    ],
)
def test_wall_clock_gives_the_local_moment(day: date, minute: int, expected: datetime) -> None:
    moment = wall_clock(day, minute, LONDON)
    assert moment is not None
    assert moment.tzinfo is LONDON
    assert moment.astimezone(UTC) == expected


def test_wall_clock_has_no_moment_for_a_skipped_time() -> None:
    assert wall_clock(date(2026, 3, 29), 60, LONDON) is None
    assert wall_clock(date(2026, 3, 29), 119, LONDON) is None


@settings(deadline=None)
@given(
    now=st.datetimes(datetime(2026, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC)),
    ahead=st.timedeltas(timedelta(days=1), timedelta(days=360)),
    shape=st.sampled_from(
        [
            "{d}/{m}/{y} {H}:{M:02d}",
            "{d:02d}.{m:02d}.{y} {H}.{M:02d}",
            "{H}:{M:02d} {d}/{m}/{y}",
            "{d}/{m} {H}:{M:02d}",
        ]
    ),
)
def test_any_future_local_time_typed_reads_back(
    now: datetime, ahead: timedelta, shape: str
) -> None:
    target = (now.astimezone(LONDON) + ahead).replace(tzinfo=None, second=0, microsecond=0)
    assume(target.hour >= 3)  # London's clocks change between 01:00 and 02:00
    text = shape.format(d=target.day, m=target.month, y=target.year, H=target.hour, M=target.minute)
    moment = local_moment(text, now)
    assert moment.replace(tzinfo=None) == target


@given(text=st.text(max_size=30))
def test_any_text_gives_a_reading_and_never_an_error(text: str) -> None:
    reading = read_when(text, MONDAY_8AM, LONDON)
    assert isinstance(reading, At | NotRead)
    if isinstance(reading, At):
        assert reading.moment.astimezone(UTC) > MONDAY_8AM
