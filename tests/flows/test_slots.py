"""Free slots and checking a proposed time, against the demo clinic's hours and a fixed now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config.clinic import load_clinic
from flows.hours import DAYS, DayHours, WeekHours
from flows.slots import Interval, Issue, Offer, Tag, check_time, free_slots, matches
from flows.when import At, read_when

LONDON = ZoneInfo("Europe/London")
# bot/config/clinic.example.yaml: Mon-Wed 09-20, Thu 09-21, Fri 09-18, Sat 10-16, Sun closed.
DEMO_DAYS: list[DayHours] = [
    (9 * 60, 20 * 60),
    (9 * 60, 20 * 60),
    (9 * 60, 20 * 60),
    (9 * 60, 21 * 60),
    (9 * 60, 18 * 60),
    (10 * 60, 16 * 60),
    None,
]
DEMO = WeekHours(DEMO_DAYS, LONDON, {}, {})
# Open only from midnight to 04:00 on Sundays: the hours the clocks change in.
NIGHT_SUNDAY = WeekHours([None] * 6 + [(0, 4 * 60)], LONDON, {}, {})
NO_NOTICE = timedelta(0)
ONE_DAY = timedelta(days=1)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def dec(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026, when London keeps GMT (the same clock as UTC)."""
    return utc(2026, 12, day, hour, minute)


def instants(offer: Offer) -> list[datetime]:
    """The offered starts as UTC instants (an ambiguous local time equals no other zone's)."""
    assert all(start.tzinfo is LONDON for start in offer.starts)
    return [start.astimezone(UTC) for start in offer.starts]


def slots(
    now: datetime,
    length: int = 60,
    busy: Sequence[Interval] = (),
    prefer: frozenset[Tag] = frozenset(),
    *,
    step: int = 30,
    notice: timedelta = timedelta(hours=2),
    horizon: timedelta = timedelta(days=14),
    count: int = 6,
) -> list[datetime]:
    """The starts offered by the demo clinic, which must match the preferences."""
    offer = free_slots(
        DEMO, length, now, busy, prefer, step=step, notice=notice, horizon=horizon, count=count
    )
    assert not offer.fell_back
    return instants(offer)


# Monday 7 December 2026.
MONDAY_6AM = dec(7, 6)


def test_the_demo_hours_are_those_of_the_example_clinic() -> None:
    clinic = load_clinic()
    shipped = [clinic.hours[day] for day in DAYS]
    assert [(h.opens, h.closes) if h is not None else None for h in shipped] == DEMO_DAYS
    assert clinic.time_zone == LONDON


def test_the_first_six_free_starts_every_half_hour_from_opening() -> None:
    assert slots(MONDAY_6AM) == [
        dec(7, 9),
        dec(7, 9, 30),
        dec(7, 10),
        dec(7, 10, 30),
        dec(7, 11),
        dec(7, 11, 30),
    ]


def test_count_and_step_are_parameters() -> None:
    assert slots(MONDAY_6AM, count=3, step=45) == [dec(7, 9), dec(7, 9, 45), dec(7, 10, 30)]


def test_nothing_starts_within_the_minimum_notice() -> None:
    assert slots(dec(7, 9, 10), count=2) == [dec(7, 11, 30), dec(7, 12)]
    # A start exactly at now + notice is offered.
    assert slots(dec(7, 9), count=1) == [dec(7, 11)]
    assert slots(dec(7, 9, 10), count=1, notice=timedelta(hours=4)) == [dec(7, 13, 30)]
    assert slots(dec(7, 9, 10), count=1, notice=NO_NOTICE) == [dec(7, 9, 30)]


def test_a_session_must_end_by_closing_time() -> None:
    # Friday closes at 18:00, so a 90-minute session starts 16:30 at the latest; then
    # Saturday opens at 10:00.
    assert slots(dec(11, 14), length=90, count=8, notice=NO_NOTICE) == [
        dec(11, 14),
        dec(11, 14, 30),
        dec(11, 15),
        dec(11, 15, 30),
        dec(11, 16),
        dec(11, 16, 30),
        dec(12, 10),
        dec(12, 10, 30),
    ]


def test_a_closed_day_has_no_slots() -> None:
    # Saturday afternoon: the last hour starts at 15:00, Sunday is closed, Monday opens at 9.
    assert slots(dec(12, 13), notice=NO_NOTICE) == [
        dec(12, 13),
        dec(12, 13, 30),
        dec(12, 14),
        dec(12, 14, 30),
        dec(12, 15),
        dec(14, 9),
    ]


def test_a_slot_may_end_when_a_busy_time_starts_and_start_when_it_ends() -> None:
    busy = [(dec(7, 10), dec(7, 11))]
    assert slots(MONDAY_6AM, busy=busy, count=3) == [dec(7, 9), dec(7, 11), dec(7, 11, 30)]


def test_a_busy_time_overlapping_by_a_minute_blocks_the_slot() -> None:
    busy = [(dec(7, 9, 59), dec(7, 10, 1))]
    assert slots(MONDAY_6AM, busy=busy, count=2) == [dec(7, 10, 30), dec(7, 11)]


def test_busy_times_in_another_zone_count_as_the_same_instants() -> None:
    plus_five = timezone(timedelta(hours=5))
    busy = [
        (
            datetime(2026, 12, 7, 14, 0, tzinfo=plus_five),
            datetime(2026, 12, 7, 16, 0, tzinfo=plus_five),
        )
    ]
    assert slots(MONDAY_6AM, busy=busy, count=2) == [dec(7, 11), dec(7, 11, 30)]


def test_an_empty_busy_interval_blocks_nothing() -> None:
    busy = [(dec(7, 9, 15), dec(7, 9, 15))]
    assert slots(MONDAY_6AM, busy=busy, count=2) == [dec(7, 9), dec(7, 9, 30)]


def test_a_fully_booked_horizon_offers_nothing() -> None:
    busy = [(dec(7, 0), dec(31, 0))]
    assert free_slots(DEMO, 60, MONDAY_6AM, busy) == Offer((), fell_back=False)


def test_the_horizon_ends_the_search() -> None:
    # A day from Saturday 13:00: Saturday's five hours, Sunday closed.
    found = slots(dec(12, 13), notice=NO_NOTICE, horizon=timedelta(days=1))
    assert found == [dec(12, 13), dec(12, 13, 30), dec(12, 14), dec(12, 14, 30), dec(12, 15)]
    assert slots(dec(12, 13), notice=NO_NOTICE, horizon=timedelta(hours=1)) == [
        dec(12, 13),
        dec(12, 13, 30),
    ]


def test_tuesday_evenings_are_offered_when_asked_for() -> None:
    prefer = frozenset({Tag.TUESDAY, Tag.EVENING})
    assert slots(MONDAY_6AM, prefer=prefer) == [
        dec(8, 17),
        dec(8, 17, 30),
        dec(8, 18),
        dec(8, 18, 30),
        dec(8, 19),
        dec(15, 17),
    ]


@pytest.mark.parametrize(
    ("prefer", "expected"),
    [
        # Mornings start before noon: Monday's last 60-minute morning start is 11:30.
        (frozenset({Tag.MORNING}), [dec(7, 11), dec(7, 11, 30), dec(8, 9), dec(8, 9, 30)]),
        # Afternoons start from 12:00 and before 17:00.
        (frozenset({Tag.AFTERNOON}), [dec(7, 12), dec(7, 12, 30), dec(7, 13), dec(7, 13, 30)]),
        # Evenings start from 17:00.
        (frozenset({Tag.EVENING}), [dec(7, 17), dec(7, 17, 30), dec(7, 18), dec(7, 18, 30)]),
        # Sunday is closed: the weekend is Saturday.
        (frozenset({Tag.WEEKEND}), [dec(12, 10), dec(12, 10, 30), dec(12, 11), dec(12, 11, 30)]),
        # Either of two days, or either of two parts.
        (
            frozenset({Tag.WEDNESDAY, Tag.FRIDAY, Tag.MORNING, Tag.EVENING}),
            [dec(9, 9), dec(9, 9, 30), dec(9, 10), dec(9, 10, 30)],
        ),
        (
            frozenset({Tag.WEEKDAYS, Tag.EVENING}),
            [dec(7, 17), dec(7, 17, 30), dec(7, 18), dec(7, 18, 30)],
        ),
    ],
)
def test_parts_of_the_day_and_days_narrow_the_slots(
    prefer: frozenset[Tag], expected: list[datetime]
) -> None:
    # Monday 11:00 onwards (now 09:00, two hours' notice).
    assert slots(dec(7, 9), prefer=prefer, count=4) == expected


def test_preferences_from_typed_tags_are_read_by_name() -> None:
    prefer = frozenset(Tag(word) for word in ("thursday", "evening"))
    assert slots(MONDAY_6AM, prefer=prefer, count=2) == [dec(10, 17), dec(10, 17, 30)]
    with pytest.raises(ValueError):
        Tag("brunch")


@pytest.mark.parametrize(
    "prefer", [frozenset(), frozenset({Tag.ANY}), frozenset({Tag.ANY, Tag.SUNDAY})]
)
def test_any_or_no_preference_is_any_time(prefer: frozenset[Tag]) -> None:
    assert slots(MONDAY_6AM, prefer=prefer, count=2) == [dec(7, 9), dec(7, 9, 30)]


@pytest.mark.parametrize(
    "prefer",
    [frozenset({Tag.SUNDAY}), frozenset({Tag.SATURDAY, Tag.EVENING})],
)
def test_with_no_preferred_slot_in_the_horizon_any_time_is_offered_and_said(
    prefer: frozenset[Tag],
) -> None:
    offer = free_slots(DEMO, 60, MONDAY_6AM, (), prefer, count=2)
    assert offer.fell_back
    assert instants(offer) == [dec(7, 9), dec(7, 9, 30)]


def test_fewer_preferred_slots_than_asked_are_not_topped_up() -> None:
    # Within three days of Monday 06:00 the only Tuesday evening hours are five.
    offer = free_slots(
        DEMO, 60, MONDAY_6AM, (), frozenset({Tag.TUESDAY, Tag.EVENING}), horizon=timedelta(days=3)
    )
    assert not offer.fell_back
    assert instants(offer) == [dec(8, 17), dec(8, 17, 30), dec(8, 18), dec(8, 18, 30), dec(8, 19)]


def test_a_preferred_slot_taken_by_a_busy_time_is_not_preferred_any_more() -> None:
    prefer = frozenset({Tag.SATURDAY})
    busy = [(dec(12, 10), dec(12, 16)), (dec(19, 10), dec(19, 16))]
    offer = free_slots(DEMO, 60, MONDAY_6AM, busy, prefer, count=1)
    assert offer.fell_back
    assert instants(offer) == [dec(7, 9)]


# The clocks go forward at 01:00 UTC on Sunday 29 March 2026 and back at 01:00 UTC on
# Sunday 25 October 2026.


def test_the_spring_change_week_keeps_local_opening_times() -> None:
    friday = utc(2026, 3, 27, 12, 0)
    saturday = slots(friday, prefer=frozenset({Tag.SATURDAY}), count=1)
    monday = slots(friday, prefer=frozenset({Tag.MONDAY}), count=21)
    # Saturday 10:00 GMT; Monday 09:00 BST (08:00 UTC) to the last start, 19:00 BST.
    assert saturday == [utc(2026, 3, 28, 10, 0)]
    assert monday[0] == utc(2026, 3, 30, 8, 0)
    assert monday[-1] == utc(2026, 3, 30, 18, 0)
    assert monday[1] - monday[0] == timedelta(minutes=30)
    assert [start.astimezone(LONDON).hour for start in monday[::2]] == list(range(9, 20))


def test_the_autumn_change_week_keeps_local_opening_times() -> None:
    friday = utc(2026, 10, 23, 12, 0)
    saturday = slots(friday, prefer=frozenset({Tag.SATURDAY}), count=1)
    monday = slots(friday, prefer=frozenset({Tag.MONDAY}), count=1)
    # Saturday 10:00 BST (09:00 UTC); Monday 09:00 GMT.
    assert saturday == [utc(2026, 10, 24, 9, 0)]
    assert monday == [utc(2026, 10, 26, 9, 0)]


def test_on_the_spring_night_the_skipped_hour_has_no_slots() -> None:
    offer = free_slots(NIGHT_SUNDAY, 30, utc(2026, 3, 28, 12, 0), count=10, horizon=ONE_DAY)
    # 00:00 and 00:30 GMT, then 02:00 to 03:30 BST.
    assert instants(offer) == [
        utc(2026, 3, 29, 0, 0),
        utc(2026, 3, 29, 0, 30),
        utc(2026, 3, 29, 1, 0),
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 29, 2, 0),
        utc(2026, 3, 29, 2, 30),
    ]


def test_on_the_autumn_night_a_repeated_hour_is_offered_once() -> None:
    offer = free_slots(NIGHT_SUNDAY, 30, utc(2026, 10, 24, 12, 0), count=10, horizon=ONE_DAY)
    # 00:00 to 01:30 BST (from 23:00 UTC on Saturday), then 02:00 to 03:30 GMT.
    assert instants(offer) == [
        utc(2026, 10, 24, 23, 0),
        utc(2026, 10, 24, 23, 30),
        utc(2026, 10, 25, 0, 0),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 25, 2, 0),
        utc(2026, 10, 25, 2, 30),
        utc(2026, 10, 25, 3, 0),
        utc(2026, 10, 25, 3, 30),
    ]
    assert all(start.fold == 0 for start in offer.starts)


def test_a_session_over_the_spring_change_must_end_by_closing_on_the_clock() -> None:
    # Open 00:00-02:00 on Sunday: an hour from 00:00 GMT ends at 02:00 BST, closing time;
    # one from 00:30 GMT ends at 02:30 BST, after it.
    early_sunday = WeekHours([None] * 6 + [(0, 2 * 60)], LONDON, {}, {})
    offer = free_slots(early_sunday, 60, utc(2026, 3, 28, 12, 0), horizon=ONE_DAY)
    assert instants(offer) == [utc(2026, 3, 29, 0, 0)]
    assert check_time(early_sunday, utc(2026, 3, 29, 0, 30), 60).issues == {Issue.OUTSIDE_HOURS}


def test_a_session_over_the_autumn_change_may_end_in_the_repeated_hour() -> None:
    # Open 00:00-02:00 on Sunday: an hour from 01:30 BST ends at 01:30 GMT, before closing
    # at 02:00 GMT, although the clock showed 02:30 an hour after 01:30 on other days.
    early_sunday = WeekHours([None] * 6 + [(0, 2 * 60)], LONDON, {}, {})
    offer = free_slots(early_sunday, 60, utc(2026, 10, 24, 12, 0), count=10, horizon=ONE_DAY)
    assert utc(2026, 10, 25, 0, 30) in instants(offer)
    assert check_time(early_sunday, utc(2026, 10, 25, 0, 30), 60).fine
    assert check_time(early_sunday, utc(2026, 10, 25, 1, 30), 60).issues == {Issue.OUTSIDE_HOURS}


def test_a_session_over_the_autumn_change_lasts_real_minutes() -> None:
    # 01:30 BST for an hour ends at 01:30 UTC, the second 01:30 on the clock: it overlaps
    # a busy time in the repeated hour.
    busy = [(utc(2026, 10, 25, 1, 0), utc(2026, 10, 25, 1, 30))]
    offer = free_slots(NIGHT_SUNDAY, 60, utc(2026, 10, 24, 12, 0), busy, count=10)
    assert utc(2026, 10, 25, 0, 30) not in instants(offer)
    assert utc(2026, 10, 25, 0, 0) in instants(offer)


# check_time: Tuesday 8 December 2026 unless said.


def test_a_free_time_within_the_hours_is_fine() -> None:
    verdict = check_time(DEMO, dec(8, 10), 60)
    assert verdict.fine
    assert verdict.issues == frozenset()
    assert verdict.clashes == ()
    # Ending at closing time is fine.
    assert check_time(DEMO, dec(8, 19), 60).fine


@pytest.mark.parametrize(
    ("start", "length"),
    [(dec(8, 19, 30), 60), (dec(8, 8, 30), 60), (dec(8, 19), 90), (dec(8, 21), 30)],
)
def test_outside_the_opening_hours(start: datetime, length: int) -> None:
    assert check_time(DEMO, start, length).issues == {Issue.OUTSIDE_HOURS}


def test_on_a_closed_day() -> None:
    assert check_time(DEMO, dec(13, 11), 60).issues == {Issue.CLOSED}


def test_a_time_overlapping_an_appointment_names_it() -> None:
    before = (dec(8, 9), dec(8, 10))
    appointment = (dec(8, 10), dec(8, 11))
    after = (dec(8, 12), dec(8, 13))
    busy = [before, appointment, after]
    verdict = check_time(DEMO, dec(8, 10, 30), 60, busy)
    assert verdict.issues == {Issue.OVERLAPS}
    assert verdict.clashes == (appointment,)
    # Touching an appointment at either end is no overlap.
    assert check_time(DEMO, dec(8, 11), 60, busy).fine


def test_both_issues_at_once() -> None:
    busy = [(dec(8, 19), dec(8, 20))]
    verdict = check_time(DEMO, dec(8, 19, 30), 60, busy)
    assert verdict.issues == {Issue.OUTSIDE_HOURS, Issue.OVERLAPS}
    assert not verdict.fine


def test_a_typed_time_is_checked_on_the_local_clock_after_the_spring_change() -> None:
    now = utc(2026, 3, 27, 12, 0)
    nine = read_when("mon 9am", now, LONDON)
    half_eight = read_when("mon 8:30", now, LONDON)
    assert isinstance(nine, At)
    assert isinstance(half_eight, At)
    assert check_time(DEMO, nine.moment, 60).fine
    assert check_time(DEMO, half_eight.moment, 60).issues == {Issue.OUTSIDE_HOURS}
    # 08:30 UTC is 09:30 BST.
    assert check_time(DEMO, utc(2026, 3, 30, 8, 30), 60).fine


def test_nonsense_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        free_slots(DEMO, 60, datetime(2026, 12, 7, 9, 0))
    with pytest.raises(ValueError, match="ends before it starts"):
        free_slots(DEMO, 60, MONDAY_6AM, [(dec(7, 11), dec(7, 10))])
    with pytest.raises(ValueError, match="length"):
        free_slots(DEMO, 0, MONDAY_6AM)
    with pytest.raises(ValueError, match="step"):
        free_slots(DEMO, 60, MONDAY_6AM, step=0)
    with pytest.raises(ValueError, match="no time zone"):
        check_time(DEMO, datetime(2026, 12, 8, 10, 0), 60)


busy_times = st.lists(
    st.tuples(
        st.datetimes(datetime(2026, 3, 20), datetime(2026, 4, 10), timezones=st.just(UTC)),
        st.integers(0, 6 * 60),
    ).map(lambda pair: (pair[0], pair[0] + timedelta(minutes=pair[1]))),
    max_size=8,
)


@settings(deadline=None, max_examples=60)
@given(
    now=st.datetimes(datetime(2026, 3, 20), datetime(2026, 3, 31), timezones=st.just(UTC)),
    length=st.sampled_from([30, 60, 90]),
    busy=busy_times,
    prefer=st.frozensets(st.sampled_from(list(Tag)), max_size=3),
)
def test_every_offered_slot_is_free_ahead_and_in_order(
    now: datetime, length: int, busy: list[Interval], prefer: frozenset[Tag]
) -> None:
    offer = free_slots(DEMO, length, now, busy, prefer, count=10)
    found = instants(offer)
    assert found == sorted(set(found))
    assert len(found) <= 10
    for start in offer.starts:
        assert now + timedelta(hours=2) <= start.astimezone(UTC) < now + timedelta(days=14)
        assert check_time(DEMO, start, length, busy).fine
        assert (start.minute, start.second) in {(0, 0), (30, 0)}
        assert offer.fell_back or matches(start, prefer)
