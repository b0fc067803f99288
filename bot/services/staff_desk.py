"""The staff side: actions on requests, replies to clients, and staff commands."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from html import escape

from bot.config.content import Content
from bot.services import appointment_times as times
from bot.services.api_calls import staff_call, staff_calls, to_api_call
from bot.services.appointment_times import CalendarBusy
from bot.services.calendar_file import calendar_file_call
from bot.services.calendar_sync import CalendarSync
from bot.services.clock import utc_now
from bot.services.staff_views import request_buttons, request_html, slot_choice, spoken_check
from bot.services.teaching import Learning, TeachDesk
from bot.store.database import Storage, Transaction
from bot.store.outbox import Purpose
from bot.store.requests import RequestRow
from flows import staff as rules
from flows import teach, thread
from flows.appointments import length_of, slot_of, spoken
from flows.replies import Reply
from flows.state import Conversation, Stage

log = logging.getLogger(__name__)
_OFFERS_SLOTS = (rules.StaffAction.CONFIRM, rules.StaffAction.CONFIRM_SPOKEN)
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
    # The clinic's calendar, if the clinic settings name one.
    calendar: CalendarSync | None = None

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
        other = rules.parse_other_time(data)
        button = rules.parse_button(data)
        if slot is not None:
            number = slot.request_id
        elif other is not None:
            number = other[0]
        elif button is not None:
            number = button[0]
        else:
            return rules.INVALID.notice
        busy = await self._calendar_busy(number, slot, button)  # before: it may take seconds
        async with self.storage.transaction() as tx:
            if update_id is not None and not await tx.chats.claim_update(update_id):
                return "Already done."
            req = await tx.requests.get(number)
            if req is None:
                return rules.gone(number).notice
            await tx.appointments.stop_asking(req.id)  # any tap ends waiting for a typed time
            if slot is not None:
                step, what = await self._pick(tx, req, slot, busy), "slot"
            elif other is not None:
                step, what = rules.other_time(req.facts, other[1]), "other_time"
            else:
                assert button is not None
                step, what = rules.press(req.facts, button[1]), button[1].value
            await self._apply(tx, req, step, staff, message_id, busy)
        self._wake_calendar()
        log.info("event=staff_action request=%s action=%s", req.id, what)
        return step.notice

    async def _calendar_busy(
        self,
        number: int,
        slot: rules.SlotTap | None,
        button: tuple[int, rules.StaffAction] | None,
    ) -> CalendarBusy | None:
        """Read what is busy in the calendar for a tap that checks a time or offers slots."""
        if self.calendar is None:
            return None
        now = self.clock()
        if slot is not None:  # the time is checked, and the slots offered again if taken
            start = slot_of(slot.key, self.content.clinic.time_zone)
            periods = [times.offer_period(now), times.check_period(start)]
        elif button is not None and button[1] in _OFFERS_SLOTS:
            periods = [times.offer_period(now)]
        else:
            return None
        return await times.read_calendar(self.calendar, number, *periods)

    def _wake_calendar(self) -> None:
        """Push what a committed change queued for the calendar now."""
        if self.calendar is not None:
            self.calendar.wake()

    async def _pick(
        self, tx: Transaction, req: RequestRow, slot: rules.SlotTap, busy: CalendarBusy | None
    ) -> rules.StaffStep:
        """Decide a tap on a time: still free, inside the hours (unless confirmed anyway)
        and ahead of now?"""
        start = slot_of(slot.key, self.content.clinic.time_zone)
        verdict = await times.verdict(tx, self.content, req, start, busy)
        taken = start <= self.clock() or (not slot.anyway and not verdict.fine)
        return rules.pick_slot(req.facts, start, taken=taken, spoken=slot.spoken)

    async def _apply(
        self,
        tx: Transaction,
        req: RequestRow,
        step: rules.StaffStep,
        staff: StaffMember,
        message_id: int | None,
        busy: CalendarBusy | None = None,
    ) -> None:
        """Store what a staff tap decided, show the card again and tell the client.

        `busy`: what the calendar had busy, read before the transaction (for the slots).
        """
        values: dict[str, str] = {"request_no": str(req.id)}
        for effect in step.effects:
            match effect:
                case rules.SetStatus(action=done, status=status):
                    await tx.requests.record_action(req.id, done, status, staff.name)
                    req = replace(req, status=status)
                case rules.BookAppointment(start=start):
                    minutes = length_of(req.minutes)
                    before = self.content.clinic.reminder_before
                    remind = before is not None and start - before > self.clock()
                    await tx.appointments.add(req.id, start, minutes, staff.name, remind)
                    await self._to_calendar(tx, req, start, minutes)
                    zone = self.content.clinic.time_zone
                    values["when"] = spoken(start, minutes, zone)
                    values["minutes"] = str(minutes)
                    values["service"] = req.service or self.content.messages.text("session")
                case rules.ShowCard(spoken_check=spoken_check, slots=slots):
                    await self._show(tx, req, message_id, spoken_check, slots, busy)
                case rules.AskTime(spoken=spoken_to) if message_id is not None:
                    await tx.appointments.ask_time(
                        req.id, self.staff_chat_id, message_id, spoken_to
                    )
                    html = times.ask_html(await self._html(tx, req), self.content)
                    await self._edit(tx, req, message_id, html, [[times.back(req)]])
                case rules.ReleaseHold():
                    await tx.chats.release_hold(req.chat_id)
                case rules.TellClient(key=key, appointment=booked):
                    if booked:  # the file first: the buttons stay on the newest message
                        await self._calendar_file(tx, req)
                    text = self.content.messages.text(key, **values)
                    buttons = self.content.desk.appointments.buttons(req.id) if booked else ()
                    method, payload = to_api_call(Reply(text, buttons), req.chat_id)
                    await tx.outbox.enqueue(
                        req.chat_id, method, payload, Purpose.STAFF_ACTION, req.id
                    )

    async def _to_calendar(
        self, tx: Transaction, req: RequestRow, start: datetime, minutes: int
    ) -> None:
        """Queue a confirmed appointment's event for the clinic's calendar (pushed once the
        transaction is committed and the calendar woken).

        Staff's view, and no more: the request number, the session and the client's name.
        Never the phone number, the health answers or what the client wants worked on.
        """
        if self.calendar is None:
            return
        service = req.service or "Session"
        summary = f"#{req.id} {service}: {req.name or req.first_name or 'client'}"
        description = f"Request #{req.id} · {minutes} minutes · Details in the staff chat"
        end = start + timedelta(minutes=minutes)
        await self.calendar.queue_put(tx, req.id, start, end, summary, description)

    async def _calendar_file(self, tx: Transaction, req: RequestRow) -> None:
        """Queue the client's calendar file of a request's confirmed appointment."""
        appointment = await tx.appointments.of(req.id)
        if appointment is not None:
            call = await calendar_file_call(tx, self.content, req, appointment)
            await tx.outbox.enqueue(req.chat_id, *call, Purpose.STAFF_ACTION, req.id)

    async def reply(
        self, update_id: int | None, reply_to: int, text: str, staff: StaffMember
    ) -> bool:
        """Deliver a staff reply to the client a staff-chat message was about."""
        moment = times.read(text, self.content, self.clock())
        busy = await self._typed_busy(reply_to, moment)  # before: it may take seconds
        async with self.storage.transaction() as tx:
            if update_id is not None and not await tx.chats.claim_update(update_id):
                return False
            asked = await tx.appointments.time_asked(self.staff_chat_id, reply_to)
            if asked is not None:  # a card waiting for the time staff type (Other time)
                await self._typed_time(tx, *asked, moment, staff, reply_to, busy)
                self._wake_calendar()
                return True
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

    async def _typed_busy(self, reply_to: int, moment: datetime | str) -> CalendarBusy | None:
        """Read what is busy in the calendar at a time typed in reply to a card waiting
        for one (any other reply, or one that is no time, needs nothing from it)."""
        if self.calendar is None or isinstance(moment, str):
            return None
        async with self.storage.reading() as tx:
            asked = await tx.appointments.time_asked(self.staff_chat_id, reply_to)
        if asked is None:
            return None
        return await times.read_calendar(self.calendar, asked[0], times.check_period(moment))

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
        busy: CalendarBusy | None = None,
    ) -> None:
        if message_id is None:
            return
        html, buttons = await self._html(tx, req), request_buttons(req)
        if slots:
            now = self.clock()
            if busy is None and self.calendar is not None:
                # Every path to the slots reads the calendar before its transaction; one
                # that does not still counts it (holding the transaction meanwhile).
                busy = await times.read_calendar(self.calendar, req.id, times.offer_period(now))
            found = await times.free(tx, self.content, req, now, busy)
            zone = self.content.clinic.time_zone
            html, buttons = slot_choice(
                req, html, found.starts, found.fell_back, length_of(req.minutes), zone, spoken_to
            )
            if busy is not None and not busy.reached:
                html += f"\n{times.CALENDAR_DOWN}"
            buttons.insert(-1, [times.other_time(req, spoken_to)])
        elif spoken_to:
            html, buttons = spoken_check(req, html)
        await self._edit(tx, req, message_id, html, buttons)

    async def _edit(
        self,
        tx: Transaction,
        req: RequestRow,
        message_id: int,
        html: str,
        buttons: list[list[tuple[str, str]]],
    ) -> None:
        """Queue an edit of a request's card."""
        _, payload = staff_call(self.staff_chat_id, html, buttons)
        payload["message_id"] = message_id
        await tx.outbox.enqueue(
            self.staff_chat_id, "editMessageText", payload, Purpose.STAFF_EDIT, req.id
        )

    async def _typed_time(
        self, tx: Transaction, request_id: int, spoken_to: bool, moment: datetime | str,
        staff: StaffMember, card: int, busy: CalendarBusy | None,
    ) -> None:  # fmt: skip
        """Confirm the time staff typed in reply to a card after *Other time* (read by
        `times.read`: the moment, or what is wrong with the text), or say what is wrong
        with it, with *Confirm anyway*."""
        req = await tx.requests.get(request_id)
        if req is None or req.status.final:
            await tx.appointments.stop_asking(request_id)
            await self._note(tx, card, f"Request #{request_id} can no longer be confirmed.")
            return
        if isinstance(moment, str):
            await self._note(tx, card, moment)
            return
        if busy is None and self.calendar is not None:  # the card began waiting meanwhile
            busy = await times.read_calendar(self.calendar, req.id, times.check_period(moment))
        verdict = await times.verdict(tx, self.content, req, moment, busy)
        if not verdict.fine or (busy is not None and not busy.reached):
            html, buttons = times.warn(
                await self._html(tx, req), req, self.content, moment, verdict, spoken_to, busy
            )
            await self._edit(tx, req, card, html, buttons)
            return
        await tx.appointments.stop_asking(request_id)
        step = rules.pick_slot(req.facts, moment, taken=False, spoken=spoken_to)
        await self._apply(tx, req, step, staff, card)

    async def _note(self, tx: Transaction, card: int, text: str) -> None:
        """Answer staff in the staff chat, as a reply to a card."""
        method, payload = staff_call(self.staff_chat_id, escape(text, quote=False))
        payload["reply_parameters"] = {"message_id": card, "allow_sending_without_reply": True}
        await tx.outbox.enqueue(self.staff_chat_id, method, payload, Purpose.STAFF)

    async def _agenda(self, tx: Transaction, days: int) -> str:
        """List the confirmed appointments of today (or the next `days` days), by day."""
        zone = self.content.clinic.time_zone
        start, end = times.day_bounds(self.clock(), self.content, days)
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
                f"{escape(b.service or 'session')} · {b.minutes} min · {escape(b.level)}"
            )
        return "\n".join(lines)
