"""Export requests to CSV for the clinic's records."""

from __future__ import annotations

import asyncio
import csv
import os
import re
from collections.abc import Sequence
from pathlib import Path

from bot.store import dbfile
from bot.store.database import Storage
from flows.screening import Questionnaire

COLUMNS = (
    "request", "received_utc", "kind", "status", "level", "flagged", "name", "phone",
    "telegram_username", "session", "preferred_times", "focus", "consent_utc",
    "staff_actions", "appointment_utc", "appointment_minutes",
)  # fmt: skip
# A cell starting with one of these is a formula to a spreadsheet (=HYPERLINK(…) sends the
# clinic's data away on a click): such cells get a leading ' and stay text (OWASP's advice).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A phone number as stored (E.164: "+" and digits only) cannot run anything: kept as it is.
_PHONE = re.compile(r"\+\d{6,15}")


def as_text(value: object) -> object:
    """Return a cell a spreadsheet shows as typed, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PHONE.fullmatch(value):
        return "'" + value
    return value


async def export_requests(
    db_path: Path | str, out: Path | str, questionnaire: Questionnaire
) -> int:
    """Write every stored request to a CSV file; return how many were written."""
    storage = await Storage.open(db_path)
    try:
        async with storage.reading() as tables:
            rows = []
            for req in await tables.requests.all():
                actions = await tables.requests.actions_of(req.id)
                appointment = await tables.appointments.of(req.id)
                rows.append((
                    req.id, req.created_at, req.kind, req.status, req.level,
                    "; ".join(questionnaire.labels(req.flags)), req.name, req.phone,
                    req.username or "", req.service, req.times, req.concern,
                    req.consent_at or "",
                    "; ".join(f"{a} by {who} at {at}" for a, who, at in actions),
                    appointment.start.isoformat() if appointment else "",
                    appointment.minutes if appointment else "",
                ))  # fmt: skip
    finally:
        await storage.close()
    await asyncio.to_thread(_write, Path(out), rows)
    return len(rows)


def _write(path: Path, rows: Sequence[tuple[object, ...]]) -> None:
    # Names, phones and health flags: readable by this user only, even over an older file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, dbfile.PRIVATE)
    os.fchmod(fd, dbfile.PRIVATE)
    with open(fd, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows([as_text(cell) for cell in row] for row in rows)
