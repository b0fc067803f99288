"""Appointments with a time: the slots offered to staff for a request, and how times read. Pure.

A request keeps the client's preferred times as the labels of the choices they tapped
(messages.yaml `choices: times`) and any words they typed. `preferences` turns them into
`flows.slots` tags, and `offer` finds the next free slots that fit any of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from flows.hours import DAYS as DAY_NAMES
from flows.hours import DayHours
from flows.slots import TAG_DAYS, TAG_PARTS, Interval, Offer, Tag, Week, free_slots
from flows.when import WEEKDAY_WORDS, clock_times

# The length of an appointment whose client was not sure which service they want (staff
# can advise; a clinic's settings without bookable services book this length too).
DEFAULT_MINUTES = 60
# Slots offered on a request's card.
OFFERED = 6
# The shipped preferred-time choices, as slot tags (a clinic's own choice ids that are
# not here mean "any time").
CHOICE_TAGS: Mapping[str, frozenset[Tag]] = {
    "weekday_morning": frozenset({Tag.WEEKDAYS, Tag.MORNING}),
    "weekday_afternoon": frozenset({Tag.WEEKDAYS, Tag.AFTERNOON}),
    "weekday_evening": frozenset({Tag.WEEKDAYS, Tag.EVENING}),
    "saturday": frozenset({Tag.SATURDAY}),
    "sunday": frozenset({Tag.SUNDAY}),
    "weekend": frozenset({Tag.WEEKEND}),
    "any": frozenset({Tag.ANY}),
}


@dataclass(frozen=True)
class Service:
    """A service a client can book: a priced item of the clinic settings with a length."""

    label: str  # "60-minute massage"
    price: str  # "£65"
    minutes: int


def length_of(minutes: int) -> int:
    """Return how long to book a request for: the session chosen, else the usual length."""
    return minutes or DEFAULT_MINUTES


def service_typed(text: str, services: Sequence[Service]) -> Service | None:
    """Return the one service a typed answer names ("the 90 min one", "60", "focused"), or
    None if it names none or several."""
    words = set(_WORD_OR_NUMBER.findall(text.lower()))
    named = [s for s in services if str(s.minutes) in words]
    if not named:
        named = [
            s
            for s in services
            if words & {w for w in _WORD_OR_NUMBER.findall(s.label.lower()) if len(w) > 3}
        ]
    return named[0] if len(named) == 1 else None


_WORD_OR_NUMBER = re.compile(r"[a-z]+|\d+")
_TYPED_TAGS = {t.value: t for t in Tag if t is not Tag.ANY}
_WORD = re.compile(r"[a-z]+")


def preferences(
    times: str, labels: Mapping[str, str], separator: str = "; "
) -> list[frozenset[Tag]]:
    """Read a request's preferred times back into tag sets (any one may match).

    `labels` maps choice ids to the labels the request stored. A typed part naming days
    or parts of the day ("tuesday evening") becomes one set; words it does not know are
    ignored. Nothing understood: no preference.
    """
    by_label = {label: choice for choice, label in labels.items()}
    found: list[frozenset[Tag]] = []
    for part in times.split(separator):
        choice = by_label.get(part.strip())
        if choice is not None:
            found.append(CHOICE_TAGS.get(choice, frozenset({Tag.ANY})))
            continue
        typed = frozenset(_TYPED_TAGS[w] for w in _WORD.findall(part.lower()) if w in _TYPED_TAGS)
        if typed:
            found.append(typed)
    return found


def offer(
    week: Week,
    minutes: int,
    now: datetime,
    busy: Sequence[Interval],
    prefer: Sequence[frozenset[Tag]],
    count: int = OFFERED,
) -> Offer:
    """Return the next free slots that fit any of the preferences, in time order.

    When none fits within the horizon, the next free slots at any time are offered and
    the offer says so (`fell_back`).
    """
    if not prefer or any(Tag.ANY in p for p in prefer):
        return free_slots(week, minutes, now, busy, count=count)
    starts: set[datetime] = set()
    for tags in prefer:
        found = free_slots(week, minutes, now, busy, tags, count=count)
        if not found.fell_back:
            starts.update(found.starts)
    if not starts:
        anytime = free_slots(week, minutes, now, busy, count=count)
        return Offer(anytime.starts, fell_back=bool(anytime.starts))
    return Offer(tuple(sorted(starts)[:count]), fell_back=False)


def slot_label(start: datetime, zone: tzinfo) -> str:
    """Return a slot as a short button label: "Tue 8 Dec 14:30"."""
    local = start.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def spoken(start: datetime, minutes: int, zone: tzinfo) -> str:
    """Return an appointment's time in words: "Tuesday 8 December, 14:30" and its end."""
    local = start.astimezone(zone)
    end = (start + timedelta(minutes=minutes)).astimezone(zone)
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M}–{end:%H:%M}"


def slot_key(start: datetime) -> int:
    """Return a slot as whole minutes since the epoch (for a button's data)."""
    return int(start.timestamp()) // 60


def slot_of(key: int, zone: tzinfo) -> datetime:
    """Return the moment a slot key stands for, in the clinic's time zone."""
    return datetime.fromtimestamp(key * 60, zone)


def possible(tags: frozenset[Tag], days: Sequence[DayHours]) -> bool:
    """Say whether the clinic is ever open at times these tags describe (a Sunday choice
    for a clinic closed on Sundays is not)."""
    if Tag.ANY in tags:
        return any(days)
    weekdays = {day for tag in tags for day in TAG_DAYS.get(tag, ())} or set(range(7))
    parts = [TAG_PARTS[t] for t in tags if t in TAG_PARTS] or [(0, 24 * 60)]
    for day in weekdays:
        hours = days[day]
        if hours is not None and any(hours[0] < end and start < hours[1] for start, end in parts):
            return True
    return False


def possible_choices(choices: Mapping[str, str], days: Sequence[DayHours]) -> list[str]:
    """Return the preferred-time choices to offer: those the opening hours allow (a choice
    id this module does not know is always offered)."""
    return [c for c in choices if c not in CHOICE_TAGS or possible(CHOICE_TAGS[c], days)]


@dataclass(frozen=True)
class ClosedDay:
    """A typed preferred time names a day the clinic is closed (Monday is 0)."""

    day: int


@dataclass(frozen=True)
class OutsideHours:
    """A typed preferred time names a clock time the clinic is not open at (minutes)."""

    minute: int
    day: int | None  # the day it was named with, if one


# The day names staff may type, and plurals, but not "sun" (the weather as often as the day).
_DAY_WORDS = {word: day for word, day in WEEKDAY_WORDS.items() if word != "sun"}
_DAY_WORDS.update({f"{name}s": day for day, name in enumerate(DAY_NAMES)})


def typed_time_problem(text: str, days: Sequence[DayHours]) -> ClosedDay | OutsideHours | None:
    """Find what is wrong with preferred times a client typed, given the opening hours.

    Days named that the clinic is closed on, or clock times outside the hours of the days
    named (of every day, when none is named). Words it does not read are left alone: a
    note like "after work" is fine.
    """
    words = _WORD.findall(text.lower())
    named = sorted({_DAY_WORDS[w] for w in words if w in _DAY_WORDS})
    if "weekend" in words or "weekends" in words:
        named = sorted({*named, 5, 6})
    for day in named:
        if days[day] is None:
            return ClosedDay(day)
    open_days = [d for d in (named or range(7)) if days[d] is not None]
    for minute in clock_times(text):
        if not any(_open_at(days[d], minute) for d in open_days):
            return OutsideHours(minute, named[0] if len(named) == 1 else None)
    return None


def _open_at(hours: DayHours, minute: int) -> bool:
    return hours is not None and hours[0] <= minute < hours[1]
