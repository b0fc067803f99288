"""What staff see: request notifications and alerts, as HTML with every client string escaped."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot.config.content import Content
from bot.store.appointments import AppointmentRow
from bot.store.requests import RequestRow
from flows.appointments import slot_key, slot_label, spoken
from flows.details import show_phone
from flows.screening import Level
from flows.staff import (
    ACTIONS,
    StaffAction,
    action_named,
    actions_for,
    button_data,
    is_typed_flag,
    slot_button,
    thread_button,
    typed_kind,
)
from flows.state import RequestKind

Buttons = list[list[tuple[str, str]]]

_LEVEL_LINES = {
    "URGENT": "🚨 <b>URGENT</b> — stopped at the health check; advised to get medical help now",
    "CLEARANCE": "🟠 <b>CLEARANCE</b> — needs medical clearance: call before confirming",
    "CAUTION": "🟡 <b>CAUTION</b> — booking is fine; the therapist adapts",
    "CLEAR": "🟢 <b>CLEAR</b> — nothing flagged",
    "NONE": "📞 <b>CALL-BACK</b> — no health check: the client asked to be called instead",
}
# Alerts raised by what a client typed: staff see the kind, never the client's words.
_TYPED_LINES = {
    RequestKind.URGENT: "🚨 <b>URGENT</b> — wrote about symptoms that may need urgent "
    "medical help; told to call the emergency number or see a doctor today. Booking is on "
    "hold until you tap Contacted.",
    RequestKind.CRISIS: "🆘 <b>CRISIS</b> — wrote about suicide, self-harm or not wanting to live; "
    "given the crisis line and the emergency number. Please reach out when you can.",
}
_TITLES = {
    RequestKind.BOOKING: "🆕 Appointment request",
    RequestKind.CALLBACK: "📞 Call-back request",
    RequestKind.URGENT: "🚨 URGENT alert",
    RequestKind.CRISIS: "🆘 CRISIS alert",
}
_BACK_LABEL = "↩️ Back"
CLOSE_THREAD_LABEL = "✖️ Close conversation"


def request_html(
    req: RequestRow,
    content: Content,
    actions: list[tuple[str, str, str]],
    appointment: AppointmentRow | None = None,
) -> str:
    """Render a request for the staff chat: level, flags, contact details, action history,
    and the appointment's time once confirmed."""
    questionnaire, zone = content.questionnaire, content.clinic.time_zone
    typed = [f for f in req.flags if is_typed_flag(f)]
    level = _LEVEL_LINES[req.level]
    if typed and req.kind in _TYPED_LINES:
        level = _TYPED_LINES[req.kind]
    lines = [f"<b>{_TITLES.get(req.kind, 'Request')} #{req.id}</b>", level]
    icons = {Level.URGENT: "🚨", Level.CLEARANCE: "🟠", Level.CAUTION: "🟡"}
    for flag in req.flags:
        item = questionnaire.item(flag)
        if item is not None:
            lines.append(f"  {icons[item.level]} <b>{escape(item.label)}</b>")
    for flag in typed:
        kind = typed_kind(flag)
        label = content.safety.staff_labels.get(kind) if kind is not None else None
        if label:
            lines.append(f"  🚨 <b>{escape(label)}</b>")
    lines.append("")
    if req.name:
        lines.append(f"Name: {escape(req.name)}")
    if req.phone:
        lines.append(f"Phone: {escape(show_phone(req.phone, content.clinic.country))}")
    lines.append(f"Telegram: {telegram_link(req.chat_id, req.first_name, req.username)}")
    if req.kind is RequestKind.BOOKING:
        said = f"{escape(req.service)} ({req.minutes} minutes)" if req.service else "not sure yet"
        lines.append(f"Session: {said}")
        lines.append(f"Preferred times: {escape(req.times)}")
        lines.append(f"Focus: {escape(req.concern)}")
    lines.append(f"Received: {_local(req.created_at, zone)}")
    for action, staff, at in actions:
        known = action_named(action)
        done = ACTIONS[known].done if known is not None else escape(action)
        lines.append(f"{done} by {escape(staff)} at {_local(at, zone)}")
    if appointment is not None:
        when = spoken(appointment.start, appointment.minutes, zone)
        lines.append(
            f"🗓 <b>{when}</b> ({appointment.minutes} minutes) — confirmed by "
            f"{escape(appointment.confirmed_by)} at "
            f"{_local(appointment.confirmed_at.isoformat(), zone)}"
        )
    return "\n".join(lines)


def request_buttons(req: RequestRow, spoken_check: bool = False) -> Buttons:
    """Return the staff buttons for a request still open to action."""
    return [
        [(_label(action), button_data(req.id, action)) for action in row]
        for row in actions_for(req.facts, spoken_check)
    ]


def spoken_check(req: RequestRow, card: str) -> tuple[str, Buttons]:
    """Return the card asking staff to confirm they spoke to the client, and its buttons."""
    html = (
        f"{card}\n\n⚠️ <b>Before confirming:</b> have you spoken to the client about the "
        "flagged items above?"
    )
    return html, request_buttons(req, spoken_check=True)


def slot_choice(
    req: RequestRow,
    card: str,
    starts: tuple[datetime, ...],
    fell_back: bool,
    minutes: int,
    zone: ZoneInfo,
    spoken_to: bool,
) -> tuple[str, Buttons]:
    """Return the card offering free slots to confirm a booking at, and its buttons."""
    if not starts:
        ask = "No free time in the next two weeks: call the client to agree one."
    elif fell_back:
        ask = "Nothing free matches the client's preferred times soon; the next free times:"
    else:
        ask = "Free times that suit the client:"
    html = f"{card}\n\n🗓 <b>Confirm at which time?</b> ({minutes} minutes)\n{ask}"
    slots = [(slot_label(s, zone), slot_button(req.id, slot_key(s), spoken_to)) for s in starts]
    buttons: Buttons = [slots[i : i + 2] for i in range(0, len(slots), 2)]
    buttons.append([(_BACK_LABEL, button_data(req.id, StaffAction.BACK))])
    return html, buttons


def _label(action: StaffAction) -> str:
    return _BACK_LABEL if action is StaffAction.BACK else ACTIONS[action].button


def handoff_html(
    chat_id: int,
    first_name: str,
    username: str | None,
    text: str,
    open_requests: list[RequestRow] | None = None,
) -> str:
    """Render a client's message to staff, with the name and number of any open request."""
    who = telegram_link(chat_id, first_name, username)
    about = ""
    requests = open_requests or []
    named = next((r.name for r in reversed(requests) if r.name), "")
    if named:
        about += f" — {escape(named)}"
    if requests:
        numbers = ", ".join(f"#{r.id}" for r in requests)
        about += (
            f" · open request {numbers}" if len(requests) == 1 else f" · open requests {numbers}"
        )
    return (
        f"💬 <b>Message from {who}</b>{about}\n{escape(text)}\n\n"
        "<i>Reply to this message to answer.</i>"
    )


def thread_buttons(handoff_id: int) -> Buttons:
    """Return the button that closes a client's conversation with staff."""
    return [[(CLOSE_THREAD_LABEL, thread_button(handoff_id))]]


def telegram_link(chat_id: int, first_name: str, username: str | None) -> str:
    """Return a link that opens the client's Telegram profile, with their @username if any."""
    name = escape(first_name or "client")
    link = f'<a href="tg://user?id={int(chat_id)}">{name}</a>'
    return f"{link} (@{escape(username)})" if username else link


def _local(iso: str, zone: ZoneInfo) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone(zone).strftime("%a %d %b %H:%M")
    except ValueError:
        return escape(iso)
