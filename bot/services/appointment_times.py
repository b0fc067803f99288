"""The staff desk's appointment times: the slots offered, a typed time read and checked,
and the cards that ask for and warn about a time (every client string escaped).

With the clinic's calendar, the busy times are the calendar's and the bot's own confirmed
appointments together. The calendar is read before the transaction (`read_calendar`: a
call over the network must not hold the database's write lock) and handed in; when it
cannot be reached the bot's own appointments are the busy times and the card says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from html import escape

from bot.config.content import Content
from bot.services.calendar_sync import CalendarSync
from bot.store.database import Transaction
from bot.store.requests import RequestRow
from flows import staff as rules
from flows.appointments import length_of, offer, preferences, slot_key, slot_label, spoken
from flows.slots import Interval, Issue, Offer, Verdict, check_time
from flows.when import At, NotRead, Reason, read_when

Buttons = list[list[tuple[str, str]]]
# Confirmed appointments this far ahead are the busy times when slots are offered.
OFFER_HORIZON = timedelta(days=15)
# Read from the calendar past the times to check: longer than any session.
CHECK_MARGIN = timedelta(days=1)
CALENDAR_DOWN = (
    "⚠️ The clinic calendar could not be reached: only the bot's own appointments are "
    "counted as busy."
)
BACK_LABEL = "↩️ Back"
OTHER_TIME_LABEL = "✏️ Other time"
EXAMPLES = "“Tue 14:30”, “8/12 10am” or “tomorrow 9:30”"
NOT_READ = {
    Reason.UNREADABLE: f"I couldn't read that as a date and time. Try {EXAMPLES}.",
    Reason.PAST: "That time has already passed. Please reply with a time ahead.",
    Reason.NO_TIME: "Please add the time of day, e.g. “Tue 14:30”.",
    Reason.INVALID_DATE: "There is no such date. Please check the day and month.",
    Reason.NOT_A_REAL_TIME: "That time does not exist that day (the clocks go forward). "
    "Please choose another.",
}
ISSUES = {
    Issue.CLOSED: "the clinic is closed that day",
    Issue.OUTSIDE_HOURS: "it is outside the opening hours",
    Issue.OVERLAPS: "it overlaps another confirmed appointment",
}
CALENDAR_OVERLAPS = "it overlaps a confirmed appointment or a busy time in the clinic calendar"
CALENDAR_UNCHECKED = "the clinic calendar could not be reached to check it"


@dataclass(frozen=True)
class CalendarBusy:
    """The clinic calendar's busy times over a period, read before the transaction.

    `times` is None when the calendar could not be reached.
    """

    start: datetime
    end: datetime
    times: tuple[Interval, ...] | None

    @property
    def reached(self) -> bool:
        """Say whether the calendar answered."""
        return self.times is not None

    def during(self, start: datetime, end: datetime) -> list[Interval]:
        """Return the busy times overlapping a period (none if the calendar was not reached).

        A period outside the one read is a mistake of the caller: ValueError.
        """
        if start < self.start or end > self.end:
            raise ValueError("the period was not read from the calendar")
        return [(s, e) for s, e in self.times or () if e > start and s < end]


Period = tuple[datetime, datetime]


def offer_period(now: datetime) -> Period:
    """Return the period the slots offered from `now` need from the calendar."""
    # With a margin: the clock moves on a little before the slots are worked out.
    return now, now + OFFER_HORIZON + CHECK_MARGIN


def check_period(start: datetime) -> Period:
    """Return the period checking a session at `start` needs from the calendar."""
    return start, start + CHECK_MARGIN


async def read_calendar(
    calendar: CalendarSync | None, request_id: int, *periods: Period
) -> CalendarBusy | None:
    """Read the calendar's busy times for a request, over the span of these periods.

    None without a calendar (or a period). The request's own event (the appointment being
    moved) does not count as busy. Call it before the transaction: it waits for the
    calendar, up to its timeout.
    """
    if calendar is None or not periods:
        return None
    start, end = min(p[0] for p in periods), max(p[1] for p in periods)
    busy = await calendar.busy(start, end, ignore_request_id=request_id)
    return CalendarBusy(start, end, None if busy is None else tuple(busy))


async def _busy(
    tx: Transaction, start: datetime, end: datetime, calendar: CalendarBusy | None
) -> list[Interval]:
    """The confirmed appointments overlapping a period, and the calendar's busy times."""
    own = await tx.appointments.busy(start, end)
    if calendar is None:
        return own
    return sorted(set(own) | set(calendar.during(start, end)))


async def free(
    tx: Transaction,
    content: Content,
    req: RequestRow,
    now: datetime,
    calendar: CalendarBusy | None = None,
) -> Offer:
    """Return the free slots to offer for a booking: its preferred times, the opening
    hours, the confirmed appointments and what is busy in the calendar."""
    hours = content.desk.hours
    if hours is None:
        return Offer((), fell_back=False)
    busy = await _busy(tx, now, now + OFFER_HORIZON, calendar)
    prefer = preferences(req.times, content.messages.choices["times"])
    return offer(hours, length_of(req.minutes), now, busy, prefer)


async def verdict(
    tx: Transaction,
    content: Content,
    req: RequestRow,
    start: datetime,
    calendar: CalendarBusy | None = None,
) -> Verdict:
    """Check a time for a booking against the opening hours, the confirmed appointments
    and what is busy in the calendar."""
    hours = content.desk.hours
    minutes = length_of(req.minutes)
    busy = await _busy(tx, start, start + timedelta(minutes=minutes), calendar)
    if hours is None:
        return Verdict(frozenset({Issue.OVERLAPS}) if busy else frozenset(), tuple(busy))
    return check_time(hours, start, minutes, busy)


def read(text: str, content: Content, now: datetime) -> datetime | str:
    """Read a time staff typed in the clinic's zone: the moment, or what to tell them."""
    reading = read_when(text, now, content.clinic.time_zone)
    if isinstance(reading, NotRead):
        return NOT_READ[reading.reason]
    assert isinstance(reading, At)
    return reading.moment


def ask_html(card: str, content: Content) -> str:
    """Return the card asking staff to reply with the date and time."""
    zone = content.clinic.time_zone
    return (
        f"{card}\n\n✏️ <b>Reply to this message with the date and time</b> ({escape(str(zone))} "
        f"time), e.g. {EXAMPLES}."
    )


def warn(
    card: str,
    req: RequestRow,
    content: Content,
    start: datetime,
    issues: Verdict,
    spoken_to: bool,
    calendar: CalendarBusy | None = None,
) -> tuple[str, Buttons]:
    """Return the card saying what is wrong with a typed time, with *Confirm anyway*.

    With a calendar that could not be reached, that is said too (a time with nothing
    else wrong is not confirmed without staff seeing it).
    """
    zone = content.clinic.time_zone
    said = ISSUES if calendar is None else {**ISSUES, Issue.OVERLAPS: CALENDAR_OVERLAPS}
    why = [said[i] for i in Issue if i in issues.issues]
    if calendar is not None and not calendar.reached:
        why.append(CALENDAR_UNCHECKED)
    html = (
        f"{card}\n\n⚠️ <b>{spoken(start, length_of(req.minutes), zone)}</b>: {'; '.join(why)}. "
        "Confirm it anyway, or reply to this message with another time."
    )
    anyway = rules.slot_button(req.id, slot_key(start), spoken_to, anyway=True)
    return html, [
        [(f"✅ Confirm anyway: {slot_label(start, zone)}", anyway)],
        [back(req)],
    ]


def other_time(req: RequestRow, spoken_to: bool) -> tuple[str, str]:
    """Return the *Other time* button of a slot card."""
    return (OTHER_TIME_LABEL, rules.other_time_button(req.id, spoken_to))


def back(req: RequestRow) -> tuple[str, str]:
    """Return the button that shows the card as it was."""
    return (BACK_LABEL, rules.button_data(req.id, rules.StaffAction.BACK))


def day_bounds(now: datetime, content: Content, days: int) -> tuple[datetime, datetime]:
    """Return the start of today in the clinic's zone and the start of `days` days later."""
    zone = content.clinic.time_zone
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(0), zone)
    return start, datetime.combine(today + timedelta(days=days), time(0), zone)
