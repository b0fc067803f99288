"""The services' clock: the current time in UTC (tests give their own)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Return the current time."""
    return datetime.now(UTC)
