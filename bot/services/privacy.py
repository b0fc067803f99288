"""Deleting a client's data on request (/forget), and keeping a held alert bare."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.services.api_calls import StaffCall
from bot.services.calendar_sync import CalendarSync
from bot.store.database import Transaction
from bot.store.outbox import ABOUT_REQUESTS, Purpose
from bot.store.staff_messages import About
from flows.staff import ACTIONS, StaffAction, button_data

log = logging.getLogger(__name__)
_ON_REQUEST = "at the client's request"


async def forget_client(
    tx: Transaction, chat_id: int, staff_chat: int, calendar: CalendarSync | None = None
) -> list[StaffCall]:
    """Delete every row about a client; return the staff-chat edits and notice to send.

    With the clinic's calendar, their appointments' events are queued for removal (wake
    the calendar once the transaction is committed).
    """
    # A booking hold outlives /forget: its alert stays, bare, until staff tap Contacted.
    held = await tx.chats.held_request(chat_id)
    requests = await tx.requests.of_chat(chat_id, keep=held)
    handoffs = await tx.handoffs.of_chat(chat_id)
    ids = [r for r, _ in requests]
    # Take the client's details off the staff chat too, not only out of the database.
    calls = await redact_staff_messages(
        tx, About.REQUEST, ids, lambda n: f"Request #{n}: details deleted {_ON_REQUEST}."
    )
    calls += await redact_staff_messages(
        tx, About.HANDOFF, handoffs, lambda _: f"Message deleted {_ON_REQUEST}."
    )
    if held is not None:
        calls.extend(await strip_held_alert(tx, held, staff_chat, _ON_REQUEST))
    withdrawn = [r for r, status in requests if not status.final]
    if requests or held is not None:
        numbers = ", ".join(f"#{r}" for r in withdrawn) or "none open"
        notice = (
            f"🗑 A client used /forget: their data has been deleted. Withdrawn requests: {numbers}."
        )
        if held is not None:
            notice += f" Their booking stays on hold until someone taps Contacted on #{held}."
        calls.append(StaffCall("sendMessage", {"chat_id": staff_chat, "text": notice}))
    await tx.outbox.forget_about(ABOUT_REQUESTS, ids)
    await tx.outbox.forget_about((Purpose.HANDOFF,), handoffs)
    await remove_events(tx, calendar, ids)
    await tx.requests.delete(ids)
    await tx.unanswered.forget_chat(chat_id)
    await tx.handoffs.delete(handoffs)
    await tx.chats.forget_state(chat_id)
    await tx.outbox.forget_chat(chat_id)
    log.info("event=client_forgotten requests=%s", len(requests))
    return calls


async def remove_events(tx: Transaction, calendar: CalendarSync | None, ids: list[int]) -> None:
    """Queue the removal of the calendar events of requests about to be deleted.

    Deleting a request turns a write still waiting into a bare removal; an event already
    written has none waiting, and needs this (the event has the client's name).
    """
    if calendar is None:
        return
    for request_id in await tx.appointments.booked_among(ids):
        await calendar.queue_remove(tx, request_id)


async def strip_held_alert(
    tx: Transaction, request_id: int, staff_chat: int, why: str
) -> list[StaffCall]:
    """Keep only the bare alert behind a hold: no name, phone, items or profile.

    Return the edits that show the bare alert, with its Contacted button, in the staff chat.
    """
    await tx.requests.strip(request_id)
    text = (
        f"Request #{request_id}: details deleted {why}. Their booking stays "
        "on hold until someone taps Contacted."
    )
    contacted = StaffAction.CONTACTED
    button = {
        "text": ACTIONS[contacted].button,
        "callback_data": button_data(request_id, contacted),
    }
    markup = {"inline_keyboard": [[button]]}
    # Not yet delivered: send the bare version instead of the original.
    bare = {"chat_id": staff_chat, "text": text, "reply_markup": markup}
    await tx.outbox.replace_unsent(Purpose.REQUEST, request_id, bare)
    return [
        StaffCall("editMessageText", {**bare, "chat_id": chat, "message_id": message_id},
                  Purpose.STAFF_EDIT, request_id)
        for chat, message_id in await tx.staff_messages.of(About.REQUEST, request_id)
    ]  # fmt: skip


async def redact_staff_messages(
    tx: Transaction, about: About, refs: list[int], line: Callable[[int], str]
) -> list[StaffCall]:
    """Return edits that replace every staff message about these refs with one line.

    The message ids are forgotten with them: what they were about is being deleted.
    Without `reply_markup`, an edit also takes the message's buttons away.
    """
    calls: list[StaffCall] = []
    for ref in refs:
        for chat_id, message_id in await tx.staff_messages.of(about, ref):
            payload = {"chat_id": chat_id, "message_id": message_id, "text": line(ref)}
            calls.append(StaffCall("editMessageText", payload, Purpose.STAFF_EDIT))
        await tx.staff_messages.forget(about, ref)
    return calls
