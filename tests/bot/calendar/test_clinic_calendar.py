"""ClinicCalendar against a real CalDAV server: busy times, writes, removals and outages."""

from __future__ import annotations

import dataclasses
import socket
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from caldav.collection import Calendar as DavCalendar
from caldav.davclient import DAVClient
from icalendar import Calendar, Event
from icalendar.enums import STATUS, TRANSP

from bot.config.clinic import CalendarSettings, ContentError, load_clinic
from bot.services.calendar import CalendarUnavailable, ClinicCalendar
from tests.bot.calendar.conftest import PASSWORD, USER, Radicale

LONDON = ZoneInfo("Europe/London")
# A Tuesday in December (GMT: London time is UTC) and a week around it.
TUE = datetime(2026, 12, 8, tzinfo=UTC)
WEEK = (TUE - timedelta(days=1), TUE + timedelta(days=6))


def clinic_calendar(settings: CalendarSettings, password: str = PASSWORD) -> ClinicCalendar:
    return ClinicCalendar(settings, password, LONDON, timeout=5)


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


def add_directly(settings: CalendarSettings, event: Event) -> None:
    """Write an event as another calendar app would (not through the bot)."""
    calendar = Calendar.new(prodid="-//tests//other app//EN", subcomponents=[event])
    with DAVClient(url=settings.url, username=USER, password=PASSWORD) as client:
        DavCalendar(client=client, url=settings.url).add_event(calendar.to_ical().decode())


async def test_an_appointment_written_is_busy_and_a_move_replaces_it(
    settings: CalendarSettings,
) -> None:
    calendar = clinic_calendar(settings)
    assert await calendar.busy(*WEEK) == []
    await calendar.put(
        "request-7@clinic", at(TUE, 10), at(TUE, 11), "#7 Massage 60 min: Ann", "Request #7"
    )
    assert await calendar.busy(*WEEK) == [(at(TUE, 10), at(TUE, 11))]
    busy = await calendar.busy(*WEEK)
    assert all(start.tzinfo is UTC and end.tzinfo is UTC for start, end in busy)

    await calendar.put(
        "request-7@clinic", at(TUE, 14), at(TUE, 15, 30), "#7 Massage 90 min: Ann", "moved"
    )
    assert await calendar.busy(*WEEK) == [(at(TUE, 14), at(TUE, 15, 30))]
    # Only what overlaps the period asked about.
    assert await calendar.busy(at(TUE, 9), at(TUE, 14)) == []
    assert await calendar.busy(at(TUE, 15), at(TUE, 16)) == [(at(TUE, 14), at(TUE, 15, 30))]
    await calendar.close()


async def test_a_removed_appointment_is_gone_and_removing_a_missing_one_is_fine(
    settings: CalendarSettings,
) -> None:
    calendar = clinic_calendar(settings)
    await calendar.put("request-8@clinic", at(TUE, 10), at(TUE, 11), "#8", "")
    await calendar.put("request-9@clinic", at(TUE, 12), at(TUE, 13), "#9", "")
    await calendar.remove("request-8@clinic")
    assert await calendar.busy(*WEEK) == [(at(TUE, 12), at(TUE, 13))]
    await calendar.remove("request-8@clinic")
    await calendar.remove("never-there@clinic")
    assert await calendar.busy(*WEEK) == [(at(TUE, 12), at(TUE, 13))]


async def test_the_appointment_being_moved_does_not_block_itself(
    settings: CalendarSettings,
) -> None:
    calendar = clinic_calendar(settings)
    await calendar.put("request-1@clinic", at(TUE, 10), at(TUE, 11), "#1", "")
    await calendar.put("request-2@clinic", at(TUE, 11), at(TUE, 12), "#2", "")
    assert await calendar.busy(*WEEK, ignore_uid="request-1@clinic") == [(at(TUE, 11), at(TUE, 12))]


async def test_an_all_day_event_blocks_its_whole_day_in_the_clinics_zone(
    settings: CalendarSettings,
) -> None:
    # A summer day: London is an hour ahead of UTC, so the day is 23:00 to 23:00 UTC.
    add_directly(
        settings,
        Event.new(uid="training-day", summary="Staff training", start=date(2026, 7, 14),
                  end=date(2026, 7, 15)),
    )  # fmt: skip
    # One without an end is one day long; a "free" event (TRANSP) blocks nothing.
    add_directly(settings, Event.new(uid="holiday", summary="Holiday", start=date(2026, 7, 16)))
    add_directly(
        settings,
        Event.new(uid="reminder", summary="Order towels", transparency=TRANSP.TRANSPARENT,
                  start=datetime(2026, 7, 15, 9, tzinfo=UTC),
                  end=datetime(2026, 7, 15, 10, tzinfo=UTC)),
    )  # fmt: skip
    calendar = clinic_calendar(settings)
    week = (datetime(2026, 7, 13, tzinfo=UTC), datetime(2026, 7, 20, tzinfo=UTC))
    assert await calendar.busy(*week) == [
        (datetime(2026, 7, 13, 23, tzinfo=UTC), datetime(2026, 7, 14, 23, tzinfo=UTC)),
        (datetime(2026, 7, 15, 23, tzinfo=UTC), datetime(2026, 7, 16, 23, tzinfo=UTC)),
    ]
    # The hour before midnight UTC is already the training day in London.
    assert await calendar.busy(
        datetime(2026, 7, 13, 23, 15, tzinfo=UTC), datetime(2026, 7, 13, 23, 45, tzinfo=UTC)
    ) == [(datetime(2026, 7, 13, 23, tzinfo=UTC), datetime(2026, 7, 14, 23, tzinfo=UTC))]


async def test_a_wrong_password_is_refused_as_unavailable(settings: CalendarSettings) -> None:
    calendar = clinic_calendar(settings, password="not-the-password")
    with pytest.raises(CalendarUnavailable, match="refused the login") as refused:
        await calendar.busy(*WEEK)
    assert "not-the-password" not in str(refused.value)
    with pytest.raises(CalendarUnavailable):
        await calendar.put("request-1@clinic", at(TUE, 10), at(TUE, 11), "#1", "")


async def test_a_calendar_that_is_not_there_is_unavailable(radicale: Radicale) -> None:
    missing = CalendarSettings(f"{radicale.base}/{USER}/no-such-calendar/", USER)
    with pytest.raises(CalendarUnavailable, match="error"):
        await clinic_calendar(missing).put("request-1@clinic", at(TUE, 10), at(TUE, 11), "#1", "")


async def test_a_stopped_server_is_unavailable_until_it_is_back(
    radicale: Radicale, settings: CalendarSettings
) -> None:
    calendar = clinic_calendar(settings)
    await calendar.put("request-1@clinic", at(TUE, 10), at(TUE, 11), "#1", "")
    radicale.stop()
    try:
        with pytest.raises(CalendarUnavailable, match="cannot reach"):
            await calendar.busy(*WEEK)
        with pytest.raises(CalendarUnavailable, match="cannot reach"):
            await calendar.remove("request-1@clinic")
    finally:
        radicale.start()
    assert await calendar.busy(*WEEK) == [(at(TUE, 10), at(TUE, 11))]


async def test_no_answer_within_the_timeout_is_unavailable(radicale: Radicale) -> None:
    with socket.socket() as silent:  # accepts connections and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        settings = CalendarSettings(f"http://127.0.0.1:{port}/{USER}/c/", USER)
        calendar = ClinicCalendar(settings, PASSWORD, LONDON, timeout=0.3)
        with pytest.raises(CalendarUnavailable):
            await calendar.busy(*WEEK)


async def test_a_repeating_event_blocks_each_of_its_times_and_a_cancelled_one_none(
    settings: CalendarSettings,
) -> None:
    lunch = Event.new(
        uid="lunch", summary="Lunch", start=datetime(2026, 12, 7, 13, tzinfo=LONDON),
        end=datetime(2026, 12, 7, 14, tzinfo=LONDON),
    )  # fmt: skip
    lunch.add("rrule", {"freq": "daily", "count": 3})
    add_directly(settings, lunch)
    off = Event.new(
        uid="off", summary="Meeting", status=STATUS.CANCELLED,
        start=datetime(2026, 12, 8, 9, tzinfo=UTC), end=datetime(2026, 12, 8, 10, tzinfo=UTC),
    )  # fmt: skip
    add_directly(settings, off)
    days = [datetime(2026, 12, d, tzinfo=UTC) for d in (7, 8, 9)]
    assert await clinic_calendar(settings).busy(*WEEK) == [(at(d, 13), at(d, 14)) for d in days]


def test_the_clinics_calendar_comes_from_its_settings(settings: CalendarSettings) -> None:
    clinic = load_clinic()
    assert ClinicCalendar.of(clinic) is None  # the demo has no calendar
    with_calendar = dataclasses.replace(clinic, calendar=settings)
    calendar = ClinicCalendar.of(with_calendar, {"CALDAV_PASSWORD": PASSWORD})
    assert calendar is not None and calendar.url == settings.url
    assert PASSWORD not in repr(calendar)
    with pytest.raises(ContentError, match="CALDAV_PASSWORD is not set"):
        ClinicCalendar.of(with_calendar, {})
