"""The clinic's calendar through Telegram: the real Application over the fake Bot API, with
the bot's clock, and a real Radicale server as the clinic's CalDAV calendar."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from caldav.davclient import DAVClient
from icalendar import Calendar, Event

from bot.config.clinic import CalendarSettings
from bot.config.content import Content
from bot.services.appointment_times import CALENDAR_DOWN, CALENDAR_OVERLAPS, CALENDAR_UNCHECKED
from bot.services.calendar import ClinicCalendar
from bot.services.calendar_sync import CalendarSync
from bot.services.retention import purge_expired
from flows import staff as rules
from flows.appointments import slot_of
from tests.bot.calendar.conftest import PASSWORD, USER, Radicale
from tests.bot.conftest import STAFF_CHAT, STAFF_USER, Clock, Running, run_bot
from tests.bot.driver import Person, book, confirm_first_slot, staff
from tests.bot.fake_bot_api import FakeBotApi, SentMessage

UID = "request-1@knot-free-clinic-demo"


@pytest.fixture
async def bot(
    api: FakeBotApi, content: Content, tmp_path: Path, clock: Clock, settings: CalendarSettings
) -> AsyncIterator[Running]:
    """The bot with the test's clock and the clinic's calendar on the Radicale server."""
    calendar = ClinicCalendar(settings, PASSWORD, content.clinic.time_zone, timeout=3)
    async for running in run_bot(api, content, tmp_path, {"clock": clock, "calendar": calendar}):
        yield running


def events(url: str) -> dict[str, str]:
    """Return the calendar's events as they are on the server: UID to iCalendar text."""
    with DAVClient(url=url, username=USER, password=PASSWORD, enable_rfc6764=False) as client:
        found = client.calendar(url=url).events()
        return {str(e.icalendar_component["UID"]): str(e.data) for e in found}


def add_event(url: str, uid: str, start: datetime, end: datetime) -> None:
    """Put an event in the calendar as staff would in their own calendar app."""
    event = Event.new(uid=uid, start=start, end=end, summary="Staff training")
    data = Calendar.new(prodid="-//test//EN", subcomponents=[event]).to_ical().decode()
    with DAVClient(url=url, username=USER, password=PASSWORD, enable_rfc6764=False) as client:
        client.calendar(url=url).add_event(data)


async def until_written(bot: Running, url: str, present: bool, timeout: float = 5) -> str:
    """Wait until the calendar worker has pushed every write and the booking's event is
    there (or gone); return its text."""
    deadline = time.monotonic() + timeout
    while True:
        found = await asyncio.to_thread(events, url)
        if await bot.storage.calendar_writes.count() == 0 and (UID in found) == present:
            return found.get(UID, "")
        assert time.monotonic() < deadline, f"the calendar has {sorted(found)}"
        await asyncio.sleep(0.05)


def sync_of(bot: Running) -> CalendarSync:
    """Return the running bot's calendar worker."""
    assert bot.app is not None
    sync: CalendarSync = bot.app.bot_data["calendar_sync"]
    return sync


def offered(card: SentMessage, content: Content) -> list[datetime]:
    """Return the times a slot card offers."""
    taps = [rules.parse_slot_button(data) for _, data in card.buttons()]
    return [slot_of(t.key, content.clinic.time_zone) for t in taps if t is not None]


async def booked(bot: Running) -> Person:
    ann = Person(bot.api, 42, "Ann", username="ann_tg")
    await book(ann)
    await bot.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    return ann


async def test_a_busy_time_is_not_offered_the_confirmed_one_is_written_and_forget_removes_it(
    bot: Running, settings: CalendarSettings
) -> None:
    ann, sam = await booked(bot), staff(bot.api)
    first = offered(await sam.tap("✅ Confirm", "Confirm at which time?"), bot.content)
    # Staff book the hour of the first time offered in their own calendar app meanwhile.
    busy = (first[0], first[0] + timedelta(hours=1))
    await asyncio.to_thread(add_event, settings.url, "training", *busy)
    await sam.tap("↩️ Back", "Appointment request #1")
    card = await sam.tap("✅ Confirm", "Confirm at which time?")
    assert CALENDAR_DOWN not in card.text
    again = offered(card, bot.content)
    assert again[0] == busy[1], "60-minute sessions from 17:00 and 17:30 overlap it"

    await confirm_first_slot(sam, 1)
    written = await until_written(bot, settings.url, present=True)
    start = again[0].astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in written
    assert "SUMMARY:#1 60-minute massage: Ann" in written
    assert "Request #1 · 60 minutes · Details in the staff chat" in written.replace("\r\n ", "")
    for private in ("07700", "900123", "Neck", "ann_tg", "Weekday"):
        assert private not in written

    await ann.say("/forget", "Are you sure?")
    await ann.tap("🗑 Yes, delete everything", "everything we held about you has been deleted")
    await until_written(bot, settings.url, present=False)
    assert "training" in await asyncio.to_thread(events, settings.url), "staff's own event stays"


async def test_with_the_calendar_down_slots_are_offered_with_a_warning_and_written_later(
    bot: Running, radicale: Radicale, settings: CalendarSettings, clock: Clock
) -> None:
    _, sam = await booked(bot), staff(bot.api)
    radicale.stop()
    try:
        card = await sam.tap("✅ Confirm", "Confirm at which time?")
        assert CALENDAR_DOWN in card.text
        assert offered(card, bot.content), "the bot's own appointments still give slots"
        await confirm_first_slot(sam, 1)
        await bot.api.wait_for_text(42, "your appointment is confirmed")
        await bot.settle()
        assert await bot.storage.calendar_writes.count() == 1, "kept until the calendar is back"
    finally:
        radicale.start()
    sync = sync_of(bot)
    clock.advance(seconds=31)  # past the wait after the failed try
    sync.wake()
    assert "SUMMARY:#1 60-minute massage: Ann" in await until_written(bot, settings.url, True)


async def test_a_typed_time_busy_in_the_calendar_or_unchecked_asks_to_confirm_anyway(
    bot: Running, radicale: Radicale, settings: CalendarSettings
) -> None:
    _, sam = await booked(bot), staff(bot.api)
    zone = bot.content.clinic.time_zone
    at_ten = datetime(2026, 11, 25, 10, tzinfo=zone)
    await asyncio.to_thread(
        add_event, settings.url, "training", at_ten, at_ten + timedelta(hours=1)
    )
    await sam.tap("✅ Confirm", "Confirm at which time?")
    card = await sam.tap("✏️ Other time", "Reply to this message with the date and time")

    async def typed(text: str) -> SentMessage:
        mark = bot.api.version
        bot.api.send_text(STAFF_USER, text, chat_id=STAFF_CHAT, first_name="Sam",
                          username="sam_desk", reply_to=card)  # fmt: skip
        return await bot.api.wait_for_text(STAFF_CHAT, "Confirm it anyway", mark)

    assert CALENDAR_OVERLAPS in (await typed("25/11 10:30")).text
    radicale.stop()
    try:
        warned = await typed("25/11 14:00")  # free, but the calendar cannot say so
    finally:
        radicale.start()
    assert CALENDAR_UNCHECKED in warned.text and "overlaps" not in warned.text
    assert warned.labels()[0] == "✅ Confirm anyway: Wed 25 Nov 14:00"
    assert await bot.storage.fetch_all("SELECT * FROM appointments") == []


async def test_retention_removes_the_event_of_a_request_it_deletes(
    bot: Running, settings: CalendarSettings
) -> None:
    _, sam = await booked(bot), staff(bot.api)
    await sam.tap("✅ Confirm", "Confirm at which time?")
    await confirm_first_slot(sam, 1)
    await until_written(bot, settings.url, present=True)
    sync = sync_of(bot)
    later = datetime.now(UTC) + timedelta(days=400)  # requests are kept 365 days
    report = await purge_expired(bot.storage, 30, 365, staff_chat=STAFF_CHAT, now=later,
                                 calendar=sync)  # fmt: skip
    assert report.requests == 1
    await until_written(bot, settings.url, present=False)


async def test_a_client_cancel_removes_the_event(bot: Running, settings: CalendarSettings) -> None:
    ann, sam = await booked(bot), staff(bot.api)
    await sam.tap("✅ Confirm", "Confirm at which time?")
    await confirm_first_slot(sam, 1)
    await until_written(bot, settings.url, present=True)
    # The client's message is sent on its own: the event can be written before it arrives.
    await bot.api.wait_for_text(ann.chat, "your appointment is confirmed")
    await ann.tap("❌ Can't make it", "Cancel your appointment on")
    await ann.tap("Yes, cancel it", "is cancelled")
    # Woken at once, not at its next round in 30 s (10 s leaves room for a busy machine).
    await until_written(bot, settings.url, present=False, timeout=10)
