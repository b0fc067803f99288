"""Load the clinic settings file: the details the bot tells clients."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from contentfile import ContentError, Fields, read_yaml
from flows.appointments import Service

DEFAULT_CLINIC_FILE = Path(__file__).with_name("clinic.example.yaml")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The old name of privacy.request_days, accepted with the same meaning (every request).
_OLD_REQUEST_DAYS = "closed_request_days"
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$")
# A duration: "24h", "2h", "90m", "1h30m", "2d".
_DURATION = re.compile(r"^(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?$")
_LONGEST_SESSION = 8 * 60
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_URL = re.compile(r"^https?://[^\s/@]+(/\S*)?$")

_TEXT_FIELDS = (
    "name",
    "address",
    "directions",
    "parking",
    "phone",
    "email",
    "emergency_number",
    "crisis_line",
    "price_notes",
    "session_lengths",
    "first_visit_note",
    "cancellation_policy",
    "payment_methods",
    "payment_notes",
    "gift_cards",
    "insurance",
    "services",
)


@dataclass(frozen=True)
class OpeningHours:
    """Opening time and closing time of one day, as minutes after midnight."""

    opens: int
    closes: int

    def __str__(self) -> str:
        return f"{_clock(self.opens)}–{_clock(self.closes)}"


@dataclass(frozen=True)
class CalendarSettings:
    """The clinic's CalDAV calendar: where it is and who the bot logs in as.

    The password is never kept here (the loaded settings are saved in the content cache):
    `password()` reads it from the environment variable named in the file when needed.
    """

    url: str  # the calendar collection itself, e.g. https://dav.example.com/staff/clinic/
    user: str
    password_env: str = "CALDAV_PASSWORD"
    source: str = ""  # the settings file, to name in errors

    def password(self, env: Mapping[str, str] | None = None) -> str:
        """Return the password from its environment variable; ContentError if it is unset."""
        value = (os.environ if env is None else env).get(self.password_env, "")
        if not value:
            raise ContentError(
                self.source,
                f"the environment variable {self.password_env} is not set "
                "(it holds the calendar's password)",
                "calendar",
                "password_env",
            )
        return value


@dataclass(frozen=True)
class Clinic:
    """The clinic's details, validated."""

    text: dict[str, str]
    hours: dict[str, OpeningHours | None]
    prices: tuple[tuple[str, str], ...]
    time_zone: ZoneInfo
    retention_days: int
    request_days: int
    minimum_age: int = 16
    guardian_under: int = 18
    # Phone numbers are read and shown as in this country (ISO code, e.g. GB).
    country: str = "GB"
    # A thread with staff ends after this many hours without a message either way.
    thread_quiet_hours: int = 12
    # The priced items that have a length: what a client can book.
    services: tuple[Service, ...] = ()
    # How long before an appointment the client is reminded (None: no reminders).
    reminder_before: timedelta | None = timedelta(hours=24)
    # A client cancelling or moving an appointment closer than this to its start is shown
    # the cancellation policy before it is final.
    late_cancel: timedelta = timedelta(hours=24)
    # The clinic's CalDAV calendar, if the settings name one.
    calendar: CalendarSettings | None = None

    @property
    def name(self) -> str:
        """Return the clinic's name."""
        return self.text["name"]

    def placeholders(self) -> dict[str, str]:
        """Return the values that content templates may use."""
        values = {f"clinic.{key}": value for key, value in self.text.items()}
        values["clinic.hours"] = "\n".join(
            f"{day.title()}: {hours or 'closed'}" for day, hours in self.hours.items()
        )
        values["clinic.prices"] = "\n".join(f"{item}: {price}" for item, price in self.prices)
        values["clinic.retention_days"] = str(self.retention_days)
        values["clinic.request_days"] = str(self.request_days)
        # The old name, for message files written before every request had an end of life.
        values["clinic.closed_request_days"] = str(self.request_days)
        values["emergency"] = self.text["emergency_number"]
        values["clinic_phone"] = self.text["phone"]
        values["crisis_line"] = self.text["crisis_line"]
        values["clinic.late_cancellation"] = said_duration(self.late_cancel)
        values["minimum_age"] = str(self.minimum_age)
        values["guardian_under"] = str(self.guardian_under)
        return values


def load_clinic(path: Path | str = DEFAULT_CLINIC_FILE) -> Clinic:
    """Read and validate the clinic settings file."""
    fields = Fields(path, "clinic", read_yaml(path))
    fields.unknown(
        {
            *_TEXT_FIELDS,
            "opening_hours",
            "prices",
            "time_zone",
            "privacy",
            "minors",
            "country",
            "thread_quiet_hours",
            "reminder_before",
            "late_cancellation",
            "calendar",
        }
    )
    text = {name: fields.text(name) for name in _TEXT_FIELDS}
    try:
        zone = ZoneInfo(fields.text("time_zone"))
    except (ZoneInfoNotFoundError, ValueError):
        raise fields.error("time_zone", "is not a known time zone (e.g. Europe/London)") from None
    country = fields.text("country", "GB").upper()
    if country not in phonenumbers.SUPPORTED_REGIONS:
        raise fields.error("country", "must be a two-letter country code (e.g. GB, IE, US)")
    privacy = Fields(path, "privacy", fields.mapping("privacy", required=False))
    privacy.unknown({"retention_days", "request_days", _OLD_REQUEST_DAYS})
    minors = Fields(path, "minors", fields.mapping("minors"))
    minors.unknown({"minimum_age", "guardian_under"})
    minimum_age = _age(minors, "minimum_age")
    guardian_under = _age(minors, "guardian_under")
    if guardian_under < minimum_age:
        raise minors.error("guardian_under", "must be at least minimum_age")
    prices = _prices(fields)
    # YAML reads a bare `off` as false.
    reminders_off = fields.data.get("reminder_before") is False
    reminder = "off" if reminders_off else fields.text("reminder_before", "24h")
    return Clinic(
        text=text,
        hours=_opening_hours(fields),
        prices=tuple((item, price) for item, price, _ in prices),
        services=tuple(Service(item, price, minutes) for item, price, minutes in prices if minutes),
        time_zone=zone,
        country=country,
        retention_days=_positive_int(privacy, "retention_days", 30),
        request_days=_request_days(privacy),
        minimum_age=minimum_age,
        guardian_under=guardian_under,
        thread_quiet_hours=_hours(fields, "thread_quiet_hours", 12),
        reminder_before=None if reminder.lower() == "off" else _duration(fields, "reminder_before"),
        late_cancel=_duration(fields, "late_cancellation", "24h"),
        calendar=_calendar(fields),
    )


def said_duration(length: timedelta) -> str:
    """Say a duration in words: "24 hours", "90 minutes", "2 days", "1 hour 30 minutes"."""
    minutes = int(length.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    if days and not rest and days > 1:
        return f"{days} days"
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    parts += [f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes else []
    return " ".join(parts)


def _opening_hours(fields: Fields) -> dict[str, OpeningHours | None]:
    days = Fields(fields.path, "opening_hours", fields.mapping("opening_hours"))
    days.unknown(set(DAYS))
    hours: dict[str, OpeningHours | None] = {}
    for day in DAYS:
        value = days.text(day, "closed")
        if value.lower() == "closed":
            hours[day] = None
            continue
        match = _HOURS.match(value)
        if not match:
            raise days.error(day, 'must look like "09:00-18:00" or be "closed"')
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        opens, closes = h1 * 60 + m1, h2 * 60 + m2
        if not (0 <= opens < closes <= 24 * 60) or m1 > 59 or m2 > 59:
            raise days.error(day, "closing time must be after opening time, within the day")
        hours[day] = OpeningHours(opens, closes)
    return hours


def _calendar(fields: Fields) -> CalendarSettings | None:
    if fields.data.get("calendar") is None:
        return None
    calendar = Fields(fields.path, "calendar", fields.mapping("calendar"))
    calendar.unknown({"url", "user", "password_env"})
    url = calendar.text("url")
    if not _URL.match(url):
        raise calendar.error(
            "url",
            "must be the calendar's address, starting with https:// or http:// "
            "(no user or password in it)",
        )
    password_env = calendar.text("password_env", "CALDAV_PASSWORD")
    if not _ENV_NAME.match(password_env):
        raise calendar.error(
            "password_env", "must be the name of an environment variable, e.g. CALDAV_PASSWORD"
        )
    return CalendarSettings(url, calendar.text("user"), password_env, str(fields.path))


def _prices(fields: Fields) -> list[tuple[str, str, int]]:
    """Read the price list: item, price and, for a bookable session, its minutes (else 0)."""
    raw = fields.data.get("prices")
    if not isinstance(raw, list) or not raw:
        raise fields.error("prices", "must be a list of {item, price}")
    prices = []
    for i, row in enumerate(raw):
        entry = Fields(fields.path, f"prices[{i}]", row)
        entry.unknown({"item", "price", "minutes"})
        minutes = entry.number("minutes", 0)
        if minutes != int(minutes) or not 0 <= minutes <= _LONGEST_SESSION:
            raise entry.error("minutes", "must be the session's length in whole minutes, e.g. 60")
        prices.append((entry.text("item"), entry.text("price"), int(minutes)))
    return prices


def _duration(fields: Fields, name: str, default: str | None = None) -> timedelta:
    """Read a duration such as "24h", "2h", "90m" or "1h30m"."""
    value = fields.text(name, default)
    match = _DURATION.match(value.strip().lower())
    if not value.strip() or not match or not any(match.groups()):
        raise fields.error(name, 'must be a duration such as "24h", "2h" or "90m"')
    days, hours, minutes = (int(g or 0) for g in match.groups())
    length = timedelta(days=days, hours=hours, minutes=minutes)
    if not timedelta(minutes=5) <= length <= timedelta(days=14):
        raise fields.error(name, "must be between 5 minutes and 14 days")
    return length


def _request_days(privacy: Fields) -> int:
    """Read how long requests are kept; older files call it closed_request_days."""
    if _OLD_REQUEST_DAYS not in privacy.data:
        return _positive_int(privacy, "request_days", 365)
    if "request_days" in privacy.data:
        raise privacy.error(_OLD_REQUEST_DAYS, "is the old name of request_days: keep only one")
    return _positive_int(privacy, _OLD_REQUEST_DAYS, 365)


def _positive_int(fields: Fields, name: str, default: int) -> int:
    value = fields.number(name, default)
    if value != int(value) or value < 1:
        raise fields.error(name, "must be a whole number of days, 1 or more")
    return int(value)


def _hours(fields: Fields, name: str, default: int) -> int:
    value = fields.number(name, default)
    if value != int(value) or not 1 <= value <= 24 * 30:
        raise fields.error(name, "must be a whole number of hours, from 1 to 720")
    return int(value)


def _age(fields: Fields, name: str) -> int:
    value = fields.number(name)
    if value != int(value) or not 0 < value < 100:
        raise fields.error(name, "must be an age in whole years, e.g. 16")
    return int(value)


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


__all__ = [
    "DEFAULT_CLINIC_FILE",
    "CalendarSettings",
    "Clinic",
    "ContentError",
    "OpeningHours",
    "load_clinic",
]
