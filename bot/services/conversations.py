"""Run one client event through the front desk and store the result in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from html import escape
from typing import TYPE_CHECKING

from bot.config.content import Content
from bot.services.api_calls import (
    StaffCall,
    staff_call,
    staff_calls,
    to_api_call,
)
from bot.services.calendar_file import calendar_file_call
from bot.services.clock import utc_now
from bot.services.privacy import forget_client
from bot.services.staff_views import (
    handoff_html,
    request_buttons,
    request_html,
    thread_buttons,
)
from bot.store.database import Storage, Transaction
from bot.store.outbox import OutboxItem, Priority, Purpose
from bot.store.requests import ClientRecord, RequestRow
from bot.store.staff_messages import About
from flows import staff as rules
from flows.appointments import spoken
from flows.events import (
    CancelAppointment,
    Client,
    Event,
    Forget,
    ForwardToStaff,
    LogUnanswered,
    MoveAppointment,
    SafetyAlert,
    Step,
    SubmitRequest,
    Text,
    UrgentAlert,
    WithdrawRequest,
)
from flows.known import Known, OwnAppointment, OwnRequest
from flows.messages import REQUEST_NO
from flows.safety import SafetyKind
from flows.staff_cap import over_cap, staff_bound
from flows.state import Conversation, RequestKind

if TYPE_CHECKING:  # the CalDAV libraries are loaded only where a calendar is used
    from bot.services.calendar_sync import CalendarSync
log = logging.getLogger(__name__)
# Effects that queue a write to the clinic's calendar (the removal of an event).
_CALENDAR = (Forget, CancelAppointment, MoveAppointment)


# At most this many messages to staff (handoffs and requests) per client in the window:
# one client can then fill at most half a minute of the staff group's ~20 messages a
# minute per hour. Urgent and crisis alerts are never counted or capped.
STAFF_CAP = (10, timedelta(hours=1))


@dataclass(frozen=True)
class Handled:
    """What handling one update queued for delivery."""

    replies: tuple[OutboxItem, ...]  # to the client's chat, in order
    caught_up: bool  # nothing older was still waiting for delivery in the client's chat
    staff: bool  # something was queued for the staff chat


@dataclass
class ConversationService:
    """Load state, decide, then store the new state, effects and replies atomically."""

    content: Content
    storage: Storage
    staff_chat_id: int
    staff_cap: tuple[int, timedelta] = STAFF_CAP
    clock: Callable[[], datetime] = field(default=utc_now)
    # The clinic's calendar, if it has one: cancelled and moved appointments, and those of
    # a client who uses /forget, leave it.
    calendar: CalendarSync | None = None

    async def handle(
        self,
        update_id: int | None,
        client: Client,
        event: Event,
        edit_message_id: int | None = None,
        reply_to: int | None = None,
    ) -> Handled:
        """Handle one client event: decide, then store the outcome in one transaction.

        `reply_to`: the message (in the client's chat) a typed message replies to.
        """
        desk = self.content.desk
        # Read before the transaction: the database is held for the chat's SQL, not this.
        reading = desk.read(event.text) if isinstance(event, Text) else None
        async with self.storage.transaction() as tx:
            opened = await tx.client.open(update_id, client.chat_id, self.clock())
            if opened is None:
                log.info("event=duplicate_update update_id=%s", update_id)
                return Handled((), caught_up=True, staff=False)
            chat = opened.chat
            # The hold is kept apart from the conversation: /forget and retention keep it.
            state = replace(Conversation.from_json(chat.state), hold=chat.held)
            known = await self._known(tx, client.chat_id, reply_to, opened.record)
            step = desk.handle(state, client, event, self.clock(), known, reading)
            step = await self._within_cap(tx, client.chat_id, step)
            request_no, staff_calls = await self._apply(tx, client, step)
            for reply in step.replies:
                if request_no is not None:
                    reply = replace(reply, text=reply.text.replace(REQUEST_NO, str(request_no)))
                method, payload = to_api_call(reply, client.chat_id, edit_message_id)
                await tx.outbox.enqueue(client.chat_id, method, payload, Purpose.REPLY)
            # Staff messages are queued after the client's replies, so the client hears first.
            for call in staff_calls:
                await tx.outbox.enqueue(self.staff_chat_id, *call)
            forgotten = any(isinstance(e, Forget) for e in step.effects)
            if not forgotten and step.state != state:
                await tx.chats.save_state(client.chat_id, step.state.to_json())
            replies = tuple(i for i in tx.queued if i.chat_id == client.chat_id)
        if self.calendar is not None and any(isinstance(e, _CALENDAR) for e in step.effects):
            self.calendar.wake()  # the removals this queued reach the calendar now
        if forgotten:
            await self.storage.checkpoint()  # or the -wal file keeps what was deleted
            self.storage.checkpoint_after_update = True  # and again once its update is gone
        log.info(
            "event=handled kind=%s stage=%s request=%s",
            type(event).__name__, step.state.stage, request_no or "-",
        )  # fmt: skip
        return Handled(replies, caught_up=chat.undelivered == 0, staff=bool(staff_calls))

    async def _known(
        self, tx: Transaction, chat_id: int, reply_to: int | None, record: ClientRecord
    ) -> Known:
        """What the front desk needs to know besides the conversation (`record`: read)."""
        to_staff = reply_to is not None and await tx.outbox.from_staff(chat_id, reply_to)
        mine = tuple(
            OwnRequest(r.id, r.kind, r.status) for r in record.still_open if not r.kind.is_alert
        )
        booked = tuple(
            OwnAppointment(b.request_id, b.start, b.minutes, b.service) for b in record.booked
        )
        return Known(to_staff, mine, record.details, booked)

    async def _within_cap(self, tx: Transaction, chat_id: int, step: Step) -> Step:
        """Count what a step sends staff; over the client's cap, send it no more."""
        wanted = staff_bound(step)
        if not wanted:
            return step
        limit, window = self.staff_cap
        used = await tx.chats.staff_messages_since(chat_id, self.clock() - window)
        if used + wanted > limit:
            log.info("event=staff_cap_reached limit=%s", limit)
            return over_cap(step, self.content.messages.text("staff_cap"))
        await tx.chats.count_staff_messages(chat_id, wanted)
        return step

    async def _apply(
        self, tx: Transaction, client: Client, step: Step
    ) -> tuple[int | None, list[StaffCall]]:
        request_no = None
        calls: list[StaffCall] = []
        for effect in step.effects:
            if isinstance(effect, LogUnanswered):
                await tx.unanswered.log(
                    client.chat_id, effect.text, effect.best_id, effect.score, effect.answered
                )
            elif isinstance(effect, SubmitRequest):
                request_no = await self._request(tx, client, effect, calls)
            elif isinstance(effect, UrgentAlert):
                urgent = rules.alert_request(RequestKind.URGENT, effect.flag, effect.consent_at)
                request_no = await self._request(tx, client, urgent, calls)
                await tx.chats.hold(client.chat_id, request_no)
            elif isinstance(effect, SafetyAlert):
                await self._safety_alert(tx, client, effect.kind, calls)
            elif isinstance(effect, WithdrawRequest):
                calls += await self._withdraw(tx, client, effect.number)
            elif isinstance(effect, CancelAppointment | MoveAppointment):
                calls += await self._appointment_change(tx, client, effect)
            elif isinstance(effect, Forget):
                calls += await forget_client(tx, client.chat_id, self.staff_chat_id, self.calendar)
            elif isinstance(effect, ForwardToStaff):
                ref = await tx.handoffs.add(client.chat_id, "in", effect.text)
                open_requests = await tx.requests.open_of_chat(client.chat_id)
                html = handoff_html(
                    client.chat_id, client.first_name, client.username, effect.text, open_requests
                )
                # All of it reaches staff: in several messages if the header and escaping
                # make it longer than one (a reply to any of them answers the client).
                close = thread_buttons(ref)
                for method, payload in staff_calls(self.staff_chat_id, html, close):
                    calls.append(StaffCall(method, payload, Purpose.HANDOFF, ref))
        return request_no, calls

    async def _withdraw(self, tx: Transaction, client: Client, number: int) -> list[StaffCall]:
        """Withdraw a client's request: its status, its card edited, staff told."""
        req = await tx.requests.get(number)
        if req is None or req.chat_id != client.chat_id:
            return []
        step = rules.withdraw(req.facts)
        calls: list[StaffCall] = []
        for effect in step.effects:
            if isinstance(effect, rules.SetStatus):
                req = await self._by_client(tx, req, effect)
            elif isinstance(effect, rules.ShowCard):
                calls += await self._cards(tx, req)
        if step.effects:
            _, notice = staff_call(self.staff_chat_id, escape(step.notice))
            calls.append(StaffCall("sendMessage", notice, Purpose.STAFF))
        log.info("event=request_withdrawn request=%s", req.id)
        return calls

    async def _by_client(
        self, tx: Transaction, req: RequestRow, done: rules.SetStatus
    ) -> RequestRow:
        """Record what the client did to their request; return it with its new status."""
        await tx.requests.record_action(req.id, done.action, done.status, rules.BY_CLIENT)
        return replace(req, status=done.status)

    async def _appointment_change(
        self, tx: Transaction, client: Client, change: CancelAppointment | MoveAppointment
    ) -> list[StaffCall]:
        """Cancel or move a client's confirmed appointment: its time freed (no longer busy,
        out of the calendar, no reminder), the request cancelled or open again with the new
        preferred times, its card shown again, staff told (with the time it had)."""
        req = await tx.requests.get(change.number)
        appointment = await tx.appointments.of(change.number)
        if req is None or req.chat_id != client.chat_id or appointment is None:
            return []
        if isinstance(change, CancelAppointment):
            step = rules.client_cancel(req.facts, change.late)
            if step.effects:  # the file that takes the event out of the client's calendar
                call = await calendar_file_call(tx, self.content, req, appointment, cancelled=True)
                await tx.outbox.enqueue(req.chat_id, *call, Purpose.REPLY)
        else:
            step = rules.client_move(req.facts, change.late)
            if step.effects:
                await tx.requests.set_times(req.id, change.times)
                req = replace(req, times=change.times)
        calls: list[StaffCall] = []
        for effect in step.effects:
            if isinstance(effect, rules.SetStatus):
                req = await self._by_client(tx, req, effect)
            elif isinstance(effect, rules.DropAppointment):
                await tx.appointments.remove(req.id)
                await tx.outbox.drop_unsent(Purpose.REMINDER, req.id)
                if self.calendar is not None:
                    await self.calendar.queue_remove(tx, req.id)
            elif isinstance(effect, rules.ShowCard):
                calls += await self._cards(tx, req)
        if step.effects:
            zone = self.content.clinic.time_zone
            was = spoken(appointment.start, appointment.minutes, zone)
            notice = f"{escape(step.notice)}\nIt was {was}."
            if isinstance(change, MoveAppointment):
                notice += f"\nNew preferred times: {escape(change.times)}"
            _, payload = staff_call(self.staff_chat_id, notice)
            calls.append(StaffCall("sendMessage", payload, Purpose.STAFF))
        log.info("event=appointment_changed request=%s kind=%s", req.id, type(change).__name__)
        return calls

    async def _cards(self, tx: Transaction, req: RequestRow) -> list[StaffCall]:
        """Edit every staff-chat card of a request to show it as it is now."""
        actions = await tx.requests.actions_of(req.id)
        html = request_html(req, self.content, actions, await tx.appointments.of(req.id))
        markup = {"inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row]
            for row in request_buttons(req)
        ]}  # fmt: skip
        calls = []
        for chat, message_id in await tx.staff_messages.of(About.REQUEST, req.id):
            payload = {"chat_id": chat, "message_id": message_id, "text": html,
                       "parse_mode": "HTML", "reply_markup": markup}  # fmt: skip
            calls.append(StaffCall("editMessageText", payload, Purpose.STAFF_EDIT, req.id))
        return calls

    async def _safety_alert(
        self, tx: Transaction, client: Client, kind: SafetyKind, calls: list[StaffCall]
    ) -> None:
        """Alert staff once per open alert: a client repeating it does not flood the chat."""
        alert_kind, holds = rules.typed_alert(kind)
        number = await tx.requests.open_alert(client.chat_id, alert_kind)
        if number is None:
            alert = rules.alert_request(alert_kind, rules.typed_flag(kind), None)
            number = await self._request(tx, client, alert, calls)
        else:
            await tx.requests.touch(number)  # the client wrote again: still current
        if holds:
            await tx.chats.hold(client.chat_id, number)

    async def _request(
        self, tx: Transaction, client: Client, request: SubmitRequest, calls: list[StaffCall]
    ) -> int:
        request_no = await tx.requests.add(client, request)
        row = await tx.requests.get(request_no)
        assert row is not None
        html = request_html(row, self.content, [])
        method, payload = staff_call(self.staff_chat_id, html, request_buttons(row))
        # Urgent and crisis alerts go ahead of everything else waiting for the staff chat.
        priority = Priority.ALERT if request.kind.is_alert else Priority.NORMAL
        calls.append(StaffCall(method, payload, Purpose.REQUEST, request_no, priority))
        log.info("event=request_created request=%s kind=%s", request_no, request.kind)
        return request_no
