"""The clinic's CalDAV calendar: what is busy in it, and the appointments the bot writes there.

The caldav library is synchronous: each call runs in a worker thread (one at a time, on
one connection), and gives up after the timeout. Anything that goes wrong on the way (no
connection, a refused login, an error from the server, an answer that cannot be read)
is one `CalendarUnavailable`, so callers have a single thing to handle: fall back to the
bot's own appointments, or try the write again later (`calendar_sync`).

An appointment's event in the clinic's calendar is for staff: the caller gives its
summary and description (request number, service and length, the client's name); no
phone number and no health answers belong there.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import threading
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from bot.config.clinic import CalendarSettings, Clinic

if TYPE_CHECKING:
    from caldav.collection import Calendar as DavCalendar
    from caldav.davclient import DAVClient
    from icalendar.cal.component import Component

# caldav and icalendar (with the HTTP library under caldav, about 10 MB and a tenth of a
# second) are imported at the first use of a calendar: a clinic without one never loads them.

T = TypeVar("T")


def _trouble() -> tuple[type[BaseException], ...]:
    """Whatever goes wrong between the bot and the calendar server."""
    from caldav.lib import error as dav_error

    return (
        dav_error.DAVError,  # refused login (AuthorizationError), an error status, not found
        OSError,  # no connection, a timeout, TLS (the HTTP library's errors are OSErrors)
        SyntaxError,  # an answer that is not the XML CalDAV speaks (lxml's XMLSyntaxError)
        ValueError,  # calendar data that cannot be read
        AssertionError,  # the library's own checks of what the server said
    )


class CalendarUnavailable(Exception):
    """The calendar cannot be used now: not reachable, login refused, or a server error.

    The message names what went wrong in general words (the kind of error), never the
    password or an event's content.
    """


@dataclass(frozen=True)
class CalendarEvent:
    """A time that is busy in the calendar (aware UTC times) and the UID of its event."""

    uid: str
    start: datetime
    end: datetime


class ClinicCalendar:
    """The clinic's CalDAV calendar, used from async code."""

    def __init__(
        self,
        settings: CalendarSettings,
        password: str,
        zone: ZoneInfo,
        *,
        timeout: float = 10.0,
    ) -> None:
        self.url = settings.url
        self.zone = zone  # all-day and floating events are read in the clinic's zone
        self.timeout = timeout
        self._user = settings.user
        self._password = password
        self._lock = threading.Lock()  # one request at a time on the connection
        self._client: DAVClient | None = None
        self._calendar: DavCalendar | None = None

    @classmethod
    def of(cls, clinic: Clinic, env: Mapping[str, str] | None = None) -> ClinicCalendar | None:
        """Return the clinic's calendar, or None if its settings name none.

        The password is read from its environment variable now: ContentError if unset.
        """
        if clinic.calendar is None:
            return None
        return cls(clinic.calendar, clinic.calendar.password(env), clinic.time_zone)

    def __repr__(self) -> str:
        return f"ClinicCalendar({self.url!r}, user={self._user!r})"

    async def busy(
        self, start: datetime, end: datetime, ignore_uid: str | None = None
    ) -> list[tuple[datetime, datetime]]:
        """Return the busy times overlapping a period, as aware UTC (start, end), in order.

        Every event counts (repeating ones once per time), except cancelled ones, those
        marked free (TRANSP:TRANSPARENT) and the one whose UID is `ignore_uid` (the
        appointment being moved). An all-day event blocks its whole days in the clinic's
        zone.
        """
        events = await self._call(lambda: self._events(start, end))
        return sorted(
            (e.start, e.end)
            for e in events
            if e.uid != ignore_uid and e.end > start and e.start < end
        )

    async def put(
        self, uid: str, start: datetime, end: datetime, summary: str, description: str
    ) -> None:
        """Write the event with this UID (aware start and end): created, or replaced."""
        data = _event_data(uid, start, end, summary, description)
        await self._call(lambda: self._put(uid, data))

    async def remove(self, uid: str) -> None:
        """Delete the event with this UID; one that is not there is fine."""
        await self._call(lambda: self._remove(uid))

    async def close(self) -> None:
        """Close the connection (a later call opens a new one)."""
        await self._call(self._close)

    async def _call(self, work: Callable[[], T]) -> T:
        def locked() -> T:
            with self._lock:
                return work()

        try:
            return await asyncio.wait_for(asyncio.to_thread(locked), self.timeout)
        except TimeoutError:
            # The thread finishes on its own (the HTTP timeout bounds each request).
            raise CalendarUnavailable(f"no answer within {self.timeout:g} s") from None
        except Exception as exc:
            if isinstance(exc, _trouble()):
                raise CalendarUnavailable(_reason(exc)) from None
            raise

    # What runs in the worker thread, holding the lock.

    def _open(self) -> DavCalendar:
        from caldav.collection import Calendar as DavCalendar
        from caldav.davclient import DAVClient

        if self._calendar is None:
            self._client = DAVClient(
                url=self.url,
                username=self._user,
                password=self._password,
                timeout=max(1, math.ceil(self.timeout)),
                enable_rfc6764=False,  # the address is the calendar's own: no discovery
            )
            self._calendar = DavCalendar(client=self._client, url=self.url)
        return self._calendar

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = self._calendar = None

    def _events(self, start: datetime, end: datetime) -> list[CalendarEvent]:
        from icalendar import Event

        # In the clinic's zone: the library matches all-day events in the zone it is given.
        found: list[Any] = _done(
            self._open().search(
                start=start.astimezone(self.zone),
                end=end.astimezone(self.zone),
                event=True,
                expand=True,
            )
        )
        events = []
        for item in found:
            component = item.icalendar_component
            if not isinstance(component, Event) or not _blocks(component):
                continue
            events.append(
                CalendarEvent(
                    str(component.get("UID", "")),
                    self._moment(component.start),
                    self._moment(component.end),
                )
            )
        return [e for e in events if e.end > e.start]

    def _put(self, uid: str, data: str) -> None:
        from caldav.lib import error as dav_error

        calendar = self._open()
        try:
            calendar.add_event(data, increase_seqno=False)
        except dav_error.UidConflictError:
            # The event is there under another name (made elsewhere): replace that one.
            self._remove(uid)
            calendar.add_event(data, increase_seqno=False)

    def _remove(self, uid: str) -> None:
        from caldav.lib import error as dav_error

        try:
            event = _done(self._open().get_event_by_uid(uid))
        except dav_error.NotFoundError:
            return
        event.delete()

    def _moment(self, value: date | datetime) -> datetime:
        """Return an event's start or end as aware UTC; a day starts at midnight locally."""
        if not isinstance(value, datetime):
            value = datetime.combine(value, time(0))
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.zone)
        return value.astimezone(UTC)


def _done(value: T | Coroutine[Any, Any, T]) -> T:
    """Return a result of the library's synchronous client (typed as maybe a coroutine)."""
    if inspect.iscoroutine(value):
        value.close()
        raise TypeError("the synchronous CalDAV client returned a coroutine")
    return value  # type: ignore[return-value]


def _blocks(event: Component) -> bool:
    """Say whether an event makes its time busy."""
    status = str(event.get("STATUS", "")).upper()
    transparency = str(event.get("TRANSP", "")).upper()
    return status != "CANCELLED" and transparency != "TRANSPARENT"


def _event_data(uid: str, start: datetime, end: datetime, summary: str, description: str) -> str:
    from icalendar import Calendar, Event

    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("event times must be aware datetimes")
    event = Event.new(
        uid=uid,
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        summary=summary,
        description=description,
    )
    calendar = Calendar.new(prodid="-//clinic-bot//clinic calendar//EN", subcomponents=[event])
    del calendar["UID"]
    return bytes(calendar.to_ical()).decode()


def _reason(exc: BaseException) -> str:
    """Name what went wrong without the server's text (it could echo what was sent)."""
    from caldav.lib import error as dav_error

    if isinstance(exc, dav_error.AuthorizationError):
        return "the calendar refused the login (user or password)"
    if isinstance(exc, dav_error.DAVError):
        status = f" (HTTP {exc.status})" if exc.status else ""
        return f"the calendar server answered with an error: {type(exc).__name__}{status}"
    if isinstance(exc, OSError):
        return f"cannot reach the calendar server: {type(exc).__name__}"
    return f"the calendar server's answer cannot be read: {type(exc).__name__}"


__all__ = ["CalendarEvent", "CalendarUnavailable", "ClinicCalendar"]
