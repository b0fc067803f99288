"""Read a date and time that staff type ("tue 14:30", "8/12 10am"), in the clinic's zone.

Pure: `now` comes in, and the clinic's time zone. A text is split into a day part and a
time part, in either order ("tomorrow 9", "2pm tuesday"); the day part may be missing
("14:30" is today). What comes back is `At` (an aware datetime in the clinic's zone) or
`NotRead` with the reason. The rules:

- A weekday is the next such day; today only while the time is still ahead.
- A date without a year is its next occurrence that is not in the past.
- A bare hour ("tomorrow 9") needs a day part; alone, "9" is not read.
- "10.30" alone is a time (10:30 today); "8.12 10.30" is 8 December at 10:30.
- A local time the clocks skip (the spring change) is not a real time; one they go
  through twice (the autumn change) is the first of the two (fold=0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import Enum

from flows.hours import DAYS


class DateOrder(Enum):
    """How a numeric date is written: 8/12 is 8 December (day first) or 12 August."""

    DAY_FIRST = "day_first"
    MONTH_FIRST = "month_first"


class Reason(Enum):
    """Why a typed time gave no moment."""

    UNREADABLE = "unreadable"  # not a date and time this module knows how to read
    PAST = "past"  # a moment that is not ahead of now
    NO_TIME = "no_time"  # a day with no time of day
    INVALID_DATE = "invalid_date"  # shaped like a date but no such day (31/2, 5/13)
    NOT_A_REAL_TIME = "not_a_real_time"  # skipped when the clocks go forward


@dataclass(frozen=True)
class At:
    """The moment typed: aware, in the clinic's zone."""

    moment: datetime


@dataclass(frozen=True)
class NotRead:
    """No moment, and why; for PAST, `moment` is the one understood."""

    reason: Reason
    moment: datetime | None = None


Reading = At | NotRead


@dataclass(frozen=True)
class _Relative:
    days_ahead: int


@dataclass(frozen=True)
class _Weekday:
    day: int  # Monday is 0


@dataclass(frozen=True)
class _Date:
    day: int
    month: int
    year: int | None


_Day = _Relative | _Weekday | _Date


class _BadDate:
    """A day part shaped like a date that no calendar has."""


_BAD_DATE = _BadDate()

_RELATIVE = {"today": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1}
WEEKDAY_WORDS = {
    **{name: number for number, name in enumerate(DAYS)},
    **{name[:3]: number for number, name in enumerate(DAYS)},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
).split()
_MONTHS = {
    **{name: number for number, name in enumerate(_MONTH_NAMES, 1)},
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES, 1)},
    "sept": 9,
}
_FILLERS = frozenset({"at", "on", "the", "@"})

_NUMERIC_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?")
_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)(?: (\d{4}))?")
_MONTH_DAY = re.compile(r"([a-z]+) (\d{1,2})(?:st|nd|rd|th)?(?: (\d{4}))?")
_MERIDIEM = re.compile(r"(\d{1,2})(?:[:.](\d{2}))? ?([ap])\.?m\.?")
_CLOCK = re.compile(r"(\d{1,2})[:.](\d{2})")
_BARE_HOUR = re.compile(r"\d{1,2}")
# A time of day anywhere in a sentence ("after 5pm", "tue 18:30"), not inside a date.
_TIME_IN_TEXT = re.compile(rf"(?<![\w:./-])(?:{_MERIDIEM.pattern}|{_CLOCK.pattern})(?![\w:])")
_NOON = frozenset({"noon", "midday", "12 noon"})


def read_when(
    text: str, now: datetime, zone: tzinfo, order: DateOrder = DateOrder.DAY_FIRST
) -> Reading:
    """Read a typed date and time relative to `now` (aware), in the clinic's `zone`."""
    _require_aware(now)
    words = _words(text)
    day_only = False
    bad_date = False
    for day_words, time_words in _splits(words):
        day = _day(" ".join(day_words), order) if day_words else None
        minute = _minute(" ".join(time_words), bare=bool(day_words)) if time_words else None
        if isinstance(day, _BadDate):
            bad_date = bad_date or minute is not None or not time_words
        elif minute is not None and (day is not None or not day_words):
            return _resolve(day, minute, now.astimezone(zone), zone)
        elif day is not None and not time_words:
            day_only = True
    if bad_date:
        return NotRead(Reason.INVALID_DATE)
    return NotRead(Reason.NO_TIME if day_only else Reason.UNREADABLE)


def wall_clock(day: date, minute: int, zone: tzinfo) -> datetime | None:
    """The moment a local clock shows `minute` after midnight on `day`; None if skipped.

    A time the clocks go through twice is the first of the two (fold=0).
    """
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    moment = naive.replace(tzinfo=zone)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return moment


def _require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone")


def _words(text: str) -> list[str]:
    cleaned = text.lower().replace(",", " ")
    return [word for word in cleaned.split() if word not in _FILLERS]


def _splits(words: list[str]) -> list[tuple[list[str], list[str]]]:
    """Every way to cut the words into a day part and a time part, day first first."""
    day_first = [(words[:cut], words[cut:]) for cut in range(len(words) + 1)]
    time_first = [(words[cut:], words[:cut]) for cut in range(1, len(words))]
    return day_first + time_first


def _day(text: str, order: DateOrder) -> _Day | _BadDate | None:
    if text in _RELATIVE:
        return _Relative(_RELATIVE[text])
    if text in WEEKDAY_WORDS:
        return _Weekday(WEEKDAY_WORDS[text])
    for read in (_numeric_date, _named_date):
        found = read(text, order)
        if found is not None:
            return found
    return None


def _numeric_date(text: str, order: DateOrder) -> _Date | _BadDate | None:
    match = _NUMERIC_DATE.fullmatch(text)
    if match is None:
        return None
    first, _, second, year = match.groups()
    day, month = (first, second) if order is DateOrder.DAY_FIRST else (second, first)
    return _checked(int(day), int(month), _year(year))


def _named_date(text: str, order: DateOrder) -> _Date | _BadDate | None:
    match = _DAY_MONTH.fullmatch(text)
    if match is not None and match.group(2) in _MONTHS:
        day, name, year = match.groups()
        return _checked(int(day), _MONTHS[name], _year(year))
    match = _MONTH_DAY.fullmatch(text)
    if match is not None and match.group(1) in _MONTHS:
        name, day, year = match.groups()
        return _checked(int(day), _MONTHS[name], _year(year))
    return None


def _year(digits: str | None) -> int | None:
    if digits is None:
        return None
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _checked(day: int, month: int, year: int | None) -> _Date | _BadDate:
    """The date if some year has it (29/2 only in leap years, so 2024 stands in)."""
    try:
        date(year if year is not None else 2024, month, day)
    except ValueError:
        return _BAD_DATE
    return _Date(day, month, year)


def clock_times(text: str) -> list[int]:
    """Return every time of day (minutes after midnight) written in a sentence: "2pm",
    "2.30 p.m.", "14:30"; impossible ones ("13pm", "25:00") are left out."""
    found = (_minute(m.group(0), bare=False) for m in _TIME_IN_TEXT.finditer(text.lower()))
    return [minute for minute in found if minute is not None]


def _minute(text: str, *, bare: bool) -> int | None:
    """Minutes after midnight for a typed time of day; a bare hour only if `bare`."""
    if text in _NOON:
        return 12 * 60
    match = _MERIDIEM.fullmatch(text)
    if match is not None:
        hour, minutes, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        if not 1 <= hour <= 12 or minutes > 59:
            return None
        return (hour % 12 + (12 if half == "p" else 0)) * 60 + minutes
    match = _CLOCK.fullmatch(text)
    if match is not None:
        return _hour_minute(int(match.group(1)), int(match.group(2)))
    if bare and _BARE_HOUR.fullmatch(text):
        return _hour_minute(int(text), 0)
    return None


def _hour_minute(hour: int, minutes: int) -> int | None:
    return hour * 60 + minutes if hour <= 23 and minutes <= 59 else None


def _resolve(day: _Day | None, minute: int, local_now: datetime, zone: tzinfo) -> Reading:
    today = local_now.date()
    if day is None:
        return _on(today, minute, local_now, zone)
    if isinstance(day, _Relative):
        return _on(today + timedelta(days=day.days_ahead), minute, local_now, zone)
    if isinstance(day, _Weekday):
        ahead = (day.day - today.weekday()) % 7
        return _first_ahead(
            [today + timedelta(days=ahead), today + timedelta(days=ahead + 7)],
            minute,
            local_now,
            zone,
        )
    if day.year is not None:
        return _on(date(day.year, day.month, day.day), minute, local_now, zone)
    return _first_ahead(_occurrences(day, today.year), minute, local_now, zone)


def _occurrences(day: _Date, year: int) -> list[date]:
    """The date in this year and the next eight (a 29 February is in one of them)."""
    found = []
    for candidate in range(year, year + 9):
        try:
            found.append(date(candidate, day.month, day.day))
        except ValueError:
            continue
    return found


def _first_ahead(days: list[date], minute: int, local_now: datetime, zone: tzinfo) -> Reading:
    """The first of the days on which the time is still ahead of now."""
    for day in days:
        if _ahead(day, minute, local_now, zone):
            return _on(day, minute, local_now, zone)
    return _on(days[-1], minute, local_now, zone)


def _ahead(day: date, minute: int, local_now: datetime, zone: tzinfo) -> bool:
    moment = wall_clock(day, minute, zone)
    if moment is None:  # skipped by the clocks: compare what the clock would show
        naive = datetime.combine(day, time()) + timedelta(minutes=minute)
        return naive > local_now.replace(tzinfo=None)
    return _later(moment, local_now)


def _later(moment: datetime, than: datetime) -> bool:
    """Compare instants (in UTC: one zone's datetimes compare by the wall clock)."""
    return moment.astimezone(UTC) > than.astimezone(UTC)


def _on(day: date, minute: int, local_now: datetime, zone: tzinfo) -> Reading:
    moment = wall_clock(day, minute, zone)
    if moment is None:
        return NotRead(Reason.NOT_A_REAL_TIME)
    if not _later(moment, local_now):
        return NotRead(Reason.PAST, moment)
    return At(moment)
