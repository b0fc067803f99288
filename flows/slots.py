"""Free appointment times: the next slots to offer, and what is wrong with a proposed one.

Pure: opening hours, `now` and the busy intervals come in. Slots are laid on the local
wall clock of each day, every `step` minutes from opening time, so 09:00 is 09:00 in the
clinic on both sides of a clock change. A session fits when [start, start + length)
lies inside that day's opening hours and overlaps no busy interval (intervals are
half-open too: a session ending at 10:00 leaves a busy interval starting at 10:00
alone). Lengths are real minutes; every comparison of instants is made in UTC.

Preferences are tags (`Tag`): days ("monday"… "sunday", "weekdays", "weekend") and parts
of the day by start time ("morning" before 12:00, "afternoon" 12:00 to 17:00, "evening" from
17:00). Days and parts combine with "and", tags of one kind with "or": {"tuesday",
"thursday", "evening"} is a Tuesday or Thursday evening. "any", or no tags, is any time.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import Enum, StrEnum
from typing import Protocol

from flows.hours import DAYS, DayHours
from flows.when import wall_clock

# A busy time: an appointment or a calendar entry, start and end aware, the end excluded.
Interval = tuple[datetime, datetime]

NOON = 12 * 60
EVENING = 17 * 60


class Week(Protocol):
    """Opening hours by weekday (Monday is 0) and the clinic's zone; WeekHours is one."""

    @property
    def days(self) -> Sequence[DayHours]: ...

    @property
    def zone(self) -> tzinfo: ...


class Tag(StrEnum):
    """A client's preferred time, as a tag."""

    ANY = "any"
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"
    WEEKDAYS = "weekdays"
    WEEKEND = "weekend"
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


TAG_DAYS = {
    **{Tag(name): frozenset({number}) for number, name in enumerate(DAYS)},
    Tag.WEEKDAYS: frozenset(range(5)),
    Tag.WEEKEND: frozenset({5, 6}),
}
# Start minutes after midnight: from (included) and to (excluded).
TAG_PARTS = {
    Tag.MORNING: (0, NOON),
    Tag.AFTERNOON: (NOON, EVENING),
    Tag.EVENING: (EVENING, 24 * 60),
}


@dataclass(frozen=True)
class Offer:
    """Start times to offer, in time order; `fell_back` when none matched the preferences."""

    starts: tuple[datetime, ...]
    fell_back: bool


class Issue(Enum):
    """What is wrong with a proposed time."""

    CLOSED = "closed"  # the clinic is closed all that day
    OUTSIDE_HOURS = "outside_hours"  # open that day, but the session does not fit the hours
    OVERLAPS = "overlaps"  # it overlaps a busy interval


@dataclass(frozen=True)
class Verdict:
    """A proposed time's issues (none: fine) and the busy intervals it overlaps."""

    issues: frozenset[Issue]
    clashes: tuple[Interval, ...]

    @property
    def fine(self) -> bool:
        """Say whether nothing is wrong with the time."""
        return not self.issues


def free_slots(
    week: Week,
    length: int,
    now: datetime,
    busy: Sequence[Interval] = (),
    prefer: Collection[Tag] = (),
    *,
    step: int = 30,
    notice: timedelta = timedelta(hours=2),
    horizon: timedelta = timedelta(days=14),
    count: int = 6,
) -> Offer:
    """The next `count` free starts for a session of `length` minutes.

    Offered: starts from `now + notice` until (not including) `now + horizon`, every `step`
    minutes from each day's opening time. Preferred starts first; if there is none in the
    horizon, the first free starts of any time and `fell_back` is True. Fewer preferred
    starts than `count` are not topped up with others.
    """
    _positive(length=length, step=step)
    if count < 0:
        raise ValueError(f"count must not be negative, not {count}")
    _aware(now)
    taken = _Taken(_utc_intervals(busy))
    earliest = _utc(now) + notice
    latest = _utc(now) + horizon
    days = (earliest.astimezone(week.zone).date(), latest.astimezone(week.zone).date())
    free = [
        start
        for start in _starts(week, length, step, *days)
        if earliest <= _utc(start) < latest and not taken.clashes(start, length)
    ]
    wanted = [start for start in free if matches(start.astimezone(week.zone), prefer)]
    if wanted or not free:
        return Offer(tuple(wanted[:count]), fell_back=False)
    return Offer(tuple(free[:count]), fell_back=True)


def check_time(week: Week, start: datetime, length: int, busy: Sequence[Interval] = ()) -> Verdict:
    """What is wrong with a session of `length` minutes at `start`, so staff can decide."""
    _positive(length=length)
    _aware(start)
    local = start.astimezone(week.zone)
    hours = week.days[local.weekday()]
    issues = set()
    if hours is None:
        issues.add(Issue.CLOSED)
    elif not _inside(hours, local, length, week.zone):
        issues.add(Issue.OUTSIDE_HOURS)
    clashes = tuple(
        interval
        for interval, utc in zip(busy, _utc_intervals(busy), strict=True)
        if _overlaps(start, length, utc)
    )
    if clashes:
        issues.add(Issue.OVERLAPS)
    return Verdict(frozenset(issues), clashes)


def matches(local: datetime, prefer: Collection[Tag]) -> bool:
    """Say whether a start (on the clinic's clock) is one the preferences ask for."""
    if Tag.ANY in prefer:
        return True
    days = {day for tag in prefer for day in TAG_DAYS.get(tag, ())}
    parts = [TAG_PARTS[tag] for tag in prefer if tag in TAG_PARTS]
    minute = local.hour * 60 + local.minute
    day_ok = not days or local.weekday() in days
    part_ok = not parts or any(first <= minute < last for first, last in parts)
    return day_ok and part_ok


def _starts(week: Week, length: int, step: int, first: date, last: date) -> Iterator[datetime]:
    """Every start on the wall clock that fits the opening hours, from day `first` to `last`."""
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        hours = week.days[day.weekday()]
        if hours is None:
            continue
        for minute in range(hours[0], hours[1], step):
            start = wall_clock(day, minute, week.zone)
            if start is not None and _inside(hours, start, length, week.zone):
                yield start


def _inside(hours: tuple[int, int], local: datetime, length: int, zone: tzinfo) -> bool:
    """Say whether a session starting at `local` begins and ends within the day's hours."""
    end = (_utc(local) + timedelta(minutes=length)).astimezone(zone)
    start_minutes = _wall_minutes(local, local.date())
    end_minutes = _wall_minutes(end, local.date())
    return hours[0] <= start_minutes and end_minutes <= hours[1]


def _wall_minutes(local: datetime, day: date) -> float:
    """Minutes the clock shows after midnight of `day` (past 1440 on the next day)."""
    seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    return (local.date() - day).days * 24 * 60 + seconds / 60


class _Taken:
    """Busy intervals (UTC) sorted by start, to ask "does this session clash?" in log time:
    of the intervals starting before the session ends, does the latest end fall after its
    start? (Empty intervals block nothing.)"""

    def __init__(self, intervals: Sequence[Interval]) -> None:
        ordered = sorted((first, last) for first, last in intervals if first < last)
        self.firsts = [first for first, _ in ordered]
        self.latest_end: list[datetime] = []
        for _, last in ordered:
            self.latest_end.append(max(last, self.latest_end[-1]) if self.latest_end else last)

    def clashes(self, start: datetime, length: int) -> bool:
        begins = _utc(start)
        before_end = bisect_left(self.firsts, begins + timedelta(minutes=length))
        return before_end > 0 and self.latest_end[before_end - 1] > begins


def _overlaps(start: datetime, length: int, interval: Interval) -> bool:
    """Half-open overlap of [start, start + length) with a busy interval in UTC."""
    begins = _utc(start)
    ends = begins + timedelta(minutes=length)
    first, last = interval
    return first < last and begins < last and first < ends


def _utc_intervals(busy: Sequence[Interval]) -> list[Interval]:
    """The busy intervals in UTC; an empty one blocks nothing, a backward one is an error."""
    found = []
    for first, last in busy:
        _aware(first)
        _aware(last)
        if _utc(last) < _utc(first):
            raise ValueError(f"busy interval ends before it starts: {first} to {last}")
        found.append((_utc(first), _utc(last)))
    return found


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone")


def _positive(**values: int) -> None:
    for name, value in values.items():
        if value <= 0:
            raise ValueError(f"{name} must be positive, not {value}")
