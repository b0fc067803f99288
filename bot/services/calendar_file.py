"""The client's calendar file of an appointment, as a Bot API call: the confirmation's,
a moved one's (SEQUENCE counts the moves) and the cancellation's."""

from __future__ import annotations

from datetime import timedelta

from bot.config.content import Content
from bot.services.api_calls import ApiCall, document_call
from bot.services.ics import appointment_ics, ics_file_name
from bot.store.appointments import AppointmentRow
from bot.store.database import Transaction
from bot.store.requests import RequestRow
from flows.staff import StaffAction


async def calendar_file_call(
    tx: Transaction,
    content: Content,
    req: RequestRow,
    appointment: AppointmentRow,
    *,
    cancelled: bool = False,
) -> ApiCall:
    """Return the call sending the client the .ics of their appointment (or its cancellation)."""
    actions = await tx.requests.actions_of(req.id)
    moves = sum(action == StaffAction.CLIENT_MOVE for action, _, _ in actions)
    end = appointment.start + timedelta(minutes=appointment.minutes)
    m = content.messages
    service = req.service or m.text("session").capitalize()
    ics = appointment_ics(
        content.clinic, req.id, appointment.start, end, service,
        sequence=moves + 1 if cancelled else moves, cancelled=cancelled,
    )  # fmt: skip
    caption = m.text("ics_cancel_caption" if cancelled else "ics_caption")
    return document_call(req.chat_id, ics_file_name(req.id), ics, caption)
