"""Is the clinic open now, today, tomorrow or on a given day? Pure: hours and a clock in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

# The week as Python counts it: Monday is 0.
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WHEN_WORDS = ("now", "today", "tomorrow", *DAYS)
# Opening and closing time of a day, in minutes after midnight; None when closed.
DayHours = tuple[int, int] | None


@dataclass(frozen=True)
class When:
    """The moment a message asks about: now, or a whole day (0 today, 1 tomorrow…)."""

    now: bool
    days_ahead: int


@dataclass(frozen=True)
class WeekHours:
    """The clinic's opening hours in its own time zone, and the sentences to say them."""

    days: Sequence[DayHours]
    zone: tzinfo
    words: Mapping[str, frozenset[str]]
    texts: Mapping[str, str]

    def when(self, folded: str, now: datetime) -> When | None:
        """Find the moment a folded message asks about (None when it names none)."""
        padded = f" {folded} "

        def says(key: str) -> bool:
            return any(f" {phrase} " in padded for phrase in self.words[key])

        if says("now"):
            return When(now=True, days_ahead=0)
        if says("tomorrow"):
            return When(now=False, days_ahead=1)
        if says("today"):
            return When(now=False, days_ahead=0)
        today = now.astimezone(self.zone).weekday()
        for day, name in enumerate(DAYS):
            if says(name):
                return When(now=False, days_ahead=(day - today) % 7)
        return None

    def say(self, when: When, now: datetime) -> str:
        """Answer "are you open…?" in one sentence."""
        sentence = self._sentence(when, now)
        return sentence[:1].upper() + sentence[1:]

    def reply_when(self, now: datetime) -> str | None:
        """Say when the team will reply to a message sent now; None while the clinic is open."""
        local = now.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        today = local.weekday()
        hours = self.days[today]
        if hours is not None and hours[0] <= minute < hours[1]:
            return None
        if hours is not None and minute < hours[0]:
            opens = self.texts["next_open"].format(day=self.texts["today"], opens=_clock(hours[0]))
        else:
            opens = self._next_open(today, 1)
        sentence = self.texts["staff_closed"].format(next=opens)
        return sentence[:1].upper() + sentence[1:]

    def _sentence(self, when: When, now: datetime) -> str:
        local = now.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        today = local.weekday()
        t = self.texts
        if when.now:
            hours = self.days[today]
            if hours is not None and hours[0] <= minute < hours[1]:
                return t["open_now"].format(closes=_clock(hours[1]))
            if hours is not None and minute < hours[0]:
                return t["closed_now_today"].format(opens=_clock(hours[0]))
            return t["closed_now"].format(next=self._next_open(today, 1))
        day = (today + when.days_ahead) % 7
        hours = self.days[day]
        name = self._name(day, when.days_ahead)
        if hours is None:
            return t["closed_day"].format(
                day=name, next=self._next_open(today, when.days_ahead + 1)
            )
        return t["open_day"].format(day=name, opens=_clock(hours[0]), closes=_clock(hours[1]))

    def _next_open(self, today: int, first: int) -> str:
        """Name the first day, `first` or more days from today, that the clinic opens."""
        for ahead in range(first, first + 7):
            day = (today + ahead) % 7
            hours = self.days[day]
            if hours is not None:
                return self.texts["next_open"].format(
                    day=self._name(day, ahead), opens=_clock(hours[0])
                )
        return self.texts["never_open"]

    def _name(self, day: int, ahead: int) -> str:
        if ahead == 0:
            return self.texts["today"]
        if ahead == 1:
            return self.texts["tomorrow"]
        return DAYS[day].title()


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
