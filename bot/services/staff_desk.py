"""The staff side: actions on requests, replies to clients, and staff commands."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from html import escape

from bot.config.content import Content
from bot.services.api_calls import staff_call, staff_calls, to_api_call
from bot.services.clock import utc_now
from bot.services.staff_views import request_buttons, request_html, slot_choice, spoken_check
from bot.services.teaching import Learning, TeachDesk
from bot.store.database import Storage, Transaction
from bot.store.outbox import Purpose
from bot.store.requests import RequestRow
from flows import staff as rules
from flows import teach, thread
from flows.appointments import DEFAULT_MINUTES, offer, preferences, slot_of, spoken
from flows.replies import Reply
from flows.slots import Offer, check_time
from flows.state import Conversation, Stage

log = logging.getLogger(__name__)
# Confirmed appointments this far ahead are the busy times when slots are offered.
OFFER_HORIZON = timedelta(days=15)
INVALID_THREAD = "That conversation is no longer here (deleted after the retention period)."


@dataclass(frozen=True)
class StaffMember:
    """Who pressed or wrote, as shown in the staff chat."""

    user_id: int
    name: str


@dataclass
class StaffService:
    """Apply staff actions atomically: request status, staff message edit, client message."""

    content: Content
    storage: Storage
    staff_chat_id: int
    staff_user_ids: frozenset[int] = frozenset()
    clock: Callable[[], datetime] = field(default=utc_now)
    # What staff taught the bot, shared with the conversation service (one of its users).
    learning: Learning | None = None

    def __post_init__(self) -> None:
        if self.learning is None:
            self.learning = Learning(self.content, self.storage)
        self.learning.users.append(self)
        self.teaching = TeachDesk(self.learning, self.storage, self.staff_chat_id)

    def is_staff(self, chat_id: int | None, user_id: int | None) -> bool:
        """Say whether a chat and user may act as staff."""
        if chat_id != self.staff_chat_id:
            return False
        return not self.staff_user_ids or user_id in self.staff_user_ids

    async def press(
        self, update_id: int | None, staff: StaffMember, data: str, message_id: int | None
    ) -> str:
        """Handle a staff button; return the short notice shown to the staff member."""
        lesson = teach.parse_button(data)
        if lesson is not None:
            return await self.teaching.press(update_id, lesson, staff.name, message_id)
        handoff = rules.parse_thread_button(data)
        if handoff is not None:
            return await self._close_thread(update_id, handoff, message_id)
        slot = rules.parse_slot_button(data)
        button = rules.parse_button(data)
        if button is None and slot is None:
            return rules.INVALID.notice
        number = slot[0] if slot is not None else button[0] if button is not None else 0
        async with self.storage.transaction() as tx:
            if update_id is not None and not await tx.chats.claim_update(update_id):
                return "Already done."
            req = await tx.requests.get(number)
            if req is None:
                return rules.gone(number).notice
            if slot is not None:
                step, what = await self._pick(tx, req, slot[1], slot[2]), "slot"
            else:
                assert button is not None
                step, what = rules.press(req.facts, button[1]), button[1].value
            await self._apply(tx, req, step, staff, message_id)
        log.info("event=staff_action request=%s action=%s", req.id, what)
        return step.notice

    async def _pick(
        self, tx: Transaction, req: RequestRow, key: int, spoken_to: bool
    ) -> rules.StaffStep:
        """Decide a tap on a free slot: still free, inside the hours and ahead of now?"""
        start = slot_of(key, self.content.clinic.time_zone)
        end = start + timedelta(minutes=DEFAULT_MINUTES)
        hours = self.content.desk.hours
        busy = await tx.appointments.busy(start, end)
        fits = hours is not None and check_time(hours, start, DEFAULT_MINUTES, busy).fine
        taken = not fits or start <= self.clock()
        return rules.pick_slot(req.facts, start, taken=taken, spoken=spoken_to)

    async def _apply(
        self,
        tx: Transaction,
        req: RequestRow,
        step: rules.StaffStep,
        staff: StaffMember,
        message_id: int | None,
    ) -> None:
        """Store what a staff tap decided, show the card again and tell the client."""
        values: dict[str, str] = {"request_no": str(req.id)}
        for effect in step.effects:
            match effect:
                case rules.SetStatus(action=done, status=status):
                    await tx.requests.record_action(req.id, done, status, staff.name)
                    req = replace(req, status=status)
                case rules.BookAppointment(start=start):
                    await tx.appointments.add(req.id, start, DEFAULT_MINUTES, staff.name)
                    zone = self.content.clinic.time_zone
                    values["when"] = spoken(start, DEFAULT_MINUTES, zone)
                    values["minutes"] = str(DEFAULT_MINUTES)
                case rules.ShowCard(spoken_check=spoken_check, slots=slots):
                    await self._show(tx, req, message_id, spoken_check, slots)
                case rules.ReleaseHold():
                    await tx.chats.release_hold(req.chat_id)
                case rules.TellClient(key=key):
                    text = self.content.messages.text(key, **values)
                    method, payload = to_api_call(Reply(text), req.chat_id)
                    await tx.outbox.enqueue(
                        req.chat_id, method, payload, Purpose.STAFF_ACTION, req.id
                    )

    async def reply(
        self, update_id: int | None, reply_to: int, text: str, staff: StaffMember
    ) -> bool:
        """Deliver a staff reply to the client a staff-chat message was about."""
        async with self.storage.transaction() as tx:
            if update_id is not None and not await tx.chats.claim_update(update_id):
                return False
            chat_id = await tx.staff_messages.client_of(self.staff_chat_id, reply_to)
            if chat_id is None:
                return False
            await tx.handoffs.add(chat_id, "out", text)
            reply = await self._staff_wrote(tx, chat_id, text)
            method, payload = to_api_call(reply, chat_id)
            await tx.outbox.enqueue(chat_id, method, payload, Purpose.HANDOFF_REPLY)
            note = f"✓ Sent to the client by {escape(staff.name)}."
            method, payload = staff_call(self.staff_chat_id, note)
            payload["reply_parameters"] = {
                "message_id": reply_to,
                "allow_sending_without_reply": True,
            }
            await tx.outbox.enqueue(self.staff_chat_id, method, payload, Purpose.STAFF)
        log.info("event=staff_reply_delivered")
        return True

    async def _staff_wrote(self, tx: Transaction, chat_id: int, text: str) -> Reply:
        """Open or carry on the client's thread with staff; return what the client is sent."""
        m, desk = self.content.messages, self.content.desk
        state = Conversation.from_json(await tx.chats.load_state(chat_id))
        new, said = thread.staff_wrote(state, self.clock(), desk.thread_quiet)
        if new != state:
            await tx.chats.save_state(chat_id, new.to_json())
        body = m.text("handoff_reply", text=text)
        if said is not thread.StaffWrote.GOING_ON:
            body = f"{body}\n\n{m.text(said.value)}"
        in_thread = new.stage is Stage.HANDOFF
        return Reply(body, desk.leave_button() if in_thread else ())

    async def _close_thread(
        self, update_id: int | None, handoff_id: int, message_id: int | None
    ) -> str:
        """Close a client's conversation with staff from the button on their message."""
        async with self.storage.transaction() as tx:
            if update_id is not None and not await tx.chats.claim_update(update_id):
                return "Already done."
            chat_id = await tx.handoffs.chat_of(handoff_id)
            if chat_id is None:
                return INVALID_THREAD
            state = Conversation.from_json(await tx.chats.load_state(chat_id))
            quiet = self.content.desk.thread_quiet
            step = rules.close_thread(thread.is_open(state, self.clock(), quiet))
            for effect in step.effects:
                if isinstance(effect, rules.EndThread):
                    await tx.chats.save_state(chat_id, thread.leave(state).to_json())
                elif isinstance(effect, rules.TellClient):
                    text = self.content.messages.text(effect.key)
                    method, payload = to_api_call(Reply(text), chat_id)
                    await tx.outbox.enqueue(chat_id, method, payload, Purpose.STAFF_ACTION)
            if message_id is not None:
                markup = {"chat_id": self.staff_chat_id, "message_id": message_id,
                          "reply_markup": {"inline_keyboard": []}}  # fmt: skip
                await tx.outbox.enqueue(
                    self.staff_chat_id, "editMessageReplyMarkup", markup, Purpose.STAFF
                )
        log.info("event=thread_closed changed=%s", bool(step.effects))
        return step.notice

    async def command(self, update_id: int | None, name: str, args: list[str]) -> None:
        """Answer /requests, /request N, /today, /week or /unanswered in the staff chat."""
        buttons: list[list[tuple[str, str]]] = []
        async with self.storage.transaction() as tx:
            if update_id is not None and not await tx.chats.claim_update(update_id):
                return
            if name == "request" and args and args[0].lstrip("#").isdigit():
                req = await tx.requests.get(int(args[0].lstrip("#")))
                if req is None:
                    html = f"There is no request #{escape(args[0].lstrip('#'))}."
                else:
                    html = await self._html(tx, req)
                    buttons = request_buttons(req)
            elif name == "request":
                html = "Usage: /request N — for example /request 12"
            elif name in ("today", "week"):
                html = await self._agenda(tx, 1 if name == "today" else 7)
            elif name == "unanswered":
                await self.teaching.show_first(tx)
                return
            else:
                html = await self._open(tx)
            purpose = Purpose.REQUEST if buttons else Purpose.STAFF
            ref = int(args[0].lstrip("#")) if buttons else None
            for method, payload in staff_calls(self.staff_chat_id, html, buttons):
                await tx.outbox.enqueue(self.staff_chat_id, method, payload, purpose, ref)

    async def _open(self, tx: Transaction) -> str:
        rows = await tx.requests.still_open()
        if not rows:
            return "No open requests. 🎉"
        lines = ["<b>Open requests</b> (use /request N for details)"]
        for r in rows:
            who = escape(r.name or r.first_name or "client")
            lines.append(f"#{r.id} {r.level} — {who} — {r.status.replace('_', ' ')}")
        return "\n".join(lines)

    async def _html(self, tx: Transaction, req: RequestRow) -> str:
        actions = await tx.requests.actions_of(req.id)
        appointment = await tx.appointments.of(req.id)
        return request_html(req, self.content, actions, appointment)

    async def _show(
        self,
        tx: Transaction,
        req: RequestRow,
        message_id: int | None,
        spoken_to: bool = False,
        slots: bool = False,
    ) -> None:
        if message_id is None:
            return
        html, buttons = await self._html(tx, req), request_buttons(req)
        if slots:
            found = await self._offer(tx, req)
            zone = self.content.clinic.time_zone
            html, buttons = slot_choice(
                req, html, found.starts, found.fell_back, DEFAULT_MINUTES, zone, spoken_to
            )
        elif spoken_to:
            html, buttons = spoken_check(req, html)
        _, payload = staff_call(self.staff_chat_id, html, buttons)
        payload["message_id"] = message_id
        await tx.outbox.enqueue(
            self.staff_chat_id, "editMessageText", payload, Purpose.STAFF_EDIT, req.id
        )

    async def _offer(self, tx: Transaction, req: RequestRow) -> Offer:
        """Return the free slots to offer for a booking: its preferred times, the opening
        hours and the confirmed appointments."""
        hours = self.content.desk.hours
        if hours is None:
            return Offer((), fell_back=False)
        now = self.clock()
        busy = await tx.appointments.busy(now, now + OFFER_HORIZON)
        prefer = preferences(req.times, self.content.messages.choices["times"])
        return offer(hours, DEFAULT_MINUTES, now, busy, prefer)

    async def _agenda(self, tx: Transaction, days: int) -> str:
        """List the confirmed appointments of today (or the next `days` days), by day."""
        zone = self.content.clinic.time_zone
        today = self.clock().astimezone(zone).date()
        start = datetime.combine(today, time(0), zone)
        end = datetime.combine(today + timedelta(days=days), time(0), zone)
        booked = await tx.appointments.between(start, end)
        period = "today" if days == 1 else f"in the next {days} days"
        if not booked:
            return f"No confirmed appointments {period}."
        lines = [f"<b>Confirmed appointments {period}</b>"]
        shown_day = None
        for b in booked:
            local = b.start.astimezone(zone)
            if local.date() != shown_day:
                shown_day = local.date()
                lines.append(f"\n<b>{local:%A} {local.day} {local:%B}</b>")
            ends = (b.start + timedelta(minutes=b.minutes)).astimezone(zone)
            lines.append(
                f"{local:%H:%M}–{ends:%H:%M} · #{b.request_id} {escape(b.name)} · "
                f"{b.minutes} min · {escape(b.level)}"
            )
        return "\n".join(lines)
