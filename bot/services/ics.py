"""The calendar file (.ics) a client gets with a confirmed appointment, and its cancellation.

One VEVENT per request, its UID stable (`request-<id>@<clinic>`), so that a client's
calendar app replaces the event when a moved appointment's file comes (SEQUENCE one
higher) and removes it when the cancellation comes (METHOD:CANCEL, STATUS:CANCELLED).
Times carry the clinic's zone (TZID, with its VTIMEZONE), so the event stays at the
clinic's wall-clock time whatever zone the phone is in, across daylight saving.

What is in it is the clinic's: the service, the address, how to find it and the
cancellation policy. Nothing of the client's (no name, phone or health answers).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.config.clinic import Clinic

# The VTIMEZONE describes the zone's changes this far either side of the appointment.
_ZONE_SPAN = timedelta(days=400)


def clinic_slug(clinic: Clinic) -> str:
    """Return the clinic's name as the domain part of its UIDs ("knot-free-clinic-demo")."""
    return re.sub(r"[^a-z0-9]+", "-", clinic.name.lower()).strip("-") or "clinic"


def appointment_uid(request_id: int, clinic: Clinic) -> str:
    """Return the UID of a request's appointment, the same in every file and calendar."""
    return f"request-{request_id}@{clinic_slug(clinic)}"


def ics_file_name(request_id: int) -> str:
    """Return the name the client's file goes by."""
    return f"appointment-{request_id}.ics"


def appointment_ics(
    clinic: Clinic,
    request_id: int,
    start: datetime,
    end: datetime,
    service: str,
    *,
    sequence: int = 0,
    cancelled: bool = False,
    stamp: datetime | None = None,
) -> bytes:
    """Return the .ics file of a request's appointment (start and end aware datetimes).

    `service` is what the client booked ("60-minute massage"); `sequence` counts the
    moves (0 when first confirmed, one more each time it moves, and the cancellation one
    more than the last); `cancelled` makes the file that takes the event out of the
    client's calendar. `stamp` is when the file is made (now by default).
    """
    # icalendar is loaded at the first confirmation, not at start (about 3 MB).
    from icalendar import Calendar, Event, vCalAddress
    from icalendar.enums import STATUS

    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("appointment times must be aware datetimes")
    if end <= start:
        raise ValueError("an appointment must end after it starts")
    zone = clinic.time_zone
    event = Event.new(
        uid=appointment_uid(request_id, clinic),
        stamp=(stamp or datetime.now(UTC)).astimezone(UTC),
        start=start.astimezone(zone),
        end=end.astimezone(zone),
        summary=f"{service} at {clinic.name}",
        location=clinic.text["address"],
        description=_description(clinic),
        sequence=sequence,
        status=STATUS.CANCELLED if cancelled else STATUS.CONFIRMED,
    )
    organizer = vCalAddress(f"mailto:{clinic.text['email']}")
    organizer.params["CN"] = clinic.name
    event.add("organizer", organizer)
    calendar = Calendar.new(
        prodid=f"-//{clinic.name}//clinic-bot//EN",
        method="CANCEL" if cancelled else "PUBLISH",
        subcomponents=[event],
    )
    del calendar["UID"]  # Calendar.new gives the file a random one: the same input, same bytes
    calendar.add_missing_timezones(
        first_date=(start - _ZONE_SPAN).date(), last_date=(end + _ZONE_SPAN).date()
    )
    return bytes(calendar.to_ical())


def _description(clinic: Clinic) -> str:
    text = clinic.text
    return (
        f"{text['address']}\n"
        f"How to find us: {text['directions']}\n"
        f"Parking: {text['parking']}\n\n"
        f"Cancellation policy: {text['cancellation_policy']}\n\n"
        f"To cancel or move it, use the bot or call us on {text['phone']}."
    )
