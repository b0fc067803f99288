"""Reminders before confirmed appointments: queued once each, on time or late, never after.

Each appointment's reminder is due `reminder_before` (clinic settings) ahead of its start.
Queuing it in the outbox and recording that it was queued happen in one transaction, so
a crash or kill -9 at any moment leaves either both or neither: it is queued exactly once.
After an outage or a restart a due reminder still goes (late rather than lost), but the
outbox drops it unsent once the appointment has started, and cancelling or moving the
appointment takes an unsent one away. An appointment confirmed inside the reminder window
gets none: its confirmation was just sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.config.content import Content
from bot.services.api_calls import to_api_call
from bot.services.clock import utc_now
from bot.store.database import Storage
from bot.store.outbox import Purpose
from flows.appointments import spoken
from flows.replies import Reply

log = logging.getLogger(__name__)
# How often the bot looks for reminders that are due (seconds).
CHECK_EVERY = 30.0


@dataclass
class Reminders:
    """Queue the reminders that are due."""

    content: Content
    storage: Storage
    clock: Callable[[], datetime] = field(default=utc_now)

    async def queue_due(self) -> int:
        """Queue every reminder due now and not queued before; return how many."""
        before = self.content.clinic.reminder_before
        if before is None:
            return 0
        m, zone = self.content.messages, self.content.clinic.time_zone
        async with self.storage.transaction() as tx:
            due = await tx.appointments.to_remind(self.clock(), before)
            for booked, chat_id in due:
                text = m.text(
                    "reminder",
                    service=booked.service or m.text("session").capitalize(),
                    when=spoken(booked.start, booked.minutes, zone),
                    minutes=str(booked.minutes),
                    request_no=str(booked.request_id),
                )
                buttons = self.content.desk.appointments.reminder_buttons(booked.request_id)
                method, payload = to_api_call(Reply(text, buttons), chat_id)
                await tx.outbox.enqueue(
                    chat_id, method, payload, Purpose.REMINDER, booked.request_id,
                    expires_at=booked.start,
                )  # fmt: skip
                await tx.appointments.reminded(booked.request_id)
        for booked, _ in due:
            log.info("event=reminder_queued request=%s", booked.request_id)
        return len(due)
