"""The staff desk's appointment times: the slots offered, a typed time read and checked,
and the cards that ask for and warn about a time (every client string escaped)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from html import escape

from bot.config.content import Content
from bot.store.database import Transaction
from bot.store.requests import RequestRow
from flows import staff as rules
from flows.appointments import length_of, offer, preferences, slot_key, slot_label, spoken
from flows.slots import Issue, Offer, Verdict, check_time
from flows.when import At, NotRead, Reason, read_when

Buttons = list[list[tuple[str, str]]]
# Confirmed appointments this far ahead are the busy times when slots are offered.
OFFER_HORIZON = timedelta(days=15)
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


async def free(tx: Transaction, content: Content, req: RequestRow, now: datetime) -> Offer:
    """Return the free slots to offer for a booking: its preferred times, the opening
    hours and the confirmed appointments."""
    hours = content.desk.hours
    if hours is None:
        return Offer((), fell_back=False)
    busy = await tx.appointments.busy(now, now + OFFER_HORIZON)
    prefer = preferences(req.times, content.messages.choices["times"])
    return offer(hours, length_of(req.minutes), now, busy, prefer)


async def verdict(tx: Transaction, content: Content, req: RequestRow, start: datetime) -> Verdict:
    """Check a time for a booking against the opening hours and the confirmed appointments."""
    hours = content.desk.hours
    minutes = length_of(req.minutes)
    busy = await tx.appointments.busy(start, start + timedelta(minutes=minutes))
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
    card: str, req: RequestRow, content: Content, start: datetime, issues: Verdict, spoken_to: bool
) -> tuple[str, Buttons]:
    """Return the card saying what is wrong with a typed time, with *Confirm anyway*."""
    zone = content.clinic.time_zone
    why = "; ".join(ISSUES[i] for i in Issue if i in issues.issues)
    html = (
        f"{card}\n\n⚠️ <b>{spoken(start, length_of(req.minutes), zone)}</b>: {why}. Confirm it "
        "anyway, or reply to this message with another time."
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
