"""Turn replies into Bot API calls (method and parameters), ready for the outbox."""

from __future__ import annotations

from typing import Any, NamedTuple

from telegram.constants import MessageLimit

from bot.services.html_parts import split_html, utf16_len
from bot.store.outbox import Priority, Purpose
from flows.replies import Key, KeyboardKind, Reply

ApiCall = tuple[str, dict[str, Any]]


class StaffCall(NamedTuple):
    """A Bot API call for the staff chat, with what the outbox needs to know about it."""

    method: str
    payload: dict[str, Any]
    purpose: Purpose = Purpose.STAFF
    ref: int | None = None
    priority: Priority = Priority.NORMAL


def to_api_call(reply: Reply, chat_id: int, edit_message_id: int | None = None) -> ApiCall:
    """Return the Bot API method and parameters that show `reply` in a chat.

    Client texts are sent without a parse mode, so nothing a client or the clinic
    writes can be read as markup.
    """
    text = fit_text(reply.text)
    markup: dict[str, Any] | None = None
    # The JSON shapes of InlineKeyboardMarkup, ReplyKeyboardMarkup and ReplyKeyboardRemove
    # (what their to_dict() gives), built directly: this runs for every reply.
    if reply.buttons:
        markup = _inline_keyboard([[(b.label, b.action) for b in row] for row in reply.buttons])
    elif reply.keys:
        markup = {
            "keyboard": [[_key(k) for k in row] for row in reply.keys],
            "one_time_keyboard": True,
            "resize_keyboard": True,
        }
    elif reply.remove_keys:
        markup = {"remove_keyboard": True}
    if reply.edit and edit_message_id is not None:
        payload: dict[str, Any] = {"chat_id": chat_id, "message_id": edit_message_id, "text": text}
        if markup is not None and reply.buttons:
            payload["reply_markup"] = markup
        return "editMessageText", payload
    payload = {"chat_id": chat_id, "text": text}
    if markup is not None:
        payload["reply_markup"] = markup
    return "sendMessage", payload


def staff_call(
    chat_id: int, html: str, buttons: list[list[tuple[str, str]]] | None = None
) -> ApiCall:
    """Return a sendMessage call for the staff chat with HTML text (already escaped).

    Text past Telegram's limit is cut where the HTML stays valid, and ends in "…"; use
    `staff_calls` where all of it must arrive.
    """
    parts = split_html(html, MessageLimit.MAX_TEXT_LENGTH - 1)
    text = parts[0] + "…" if len(parts) > 1 else parts[0]
    return _staff_payload(chat_id, text, buttons)


def staff_calls(
    chat_id: int, html: str, buttons: list[list[tuple[str, str]]] | None = None
) -> list[ApiCall]:
    """Return the sendMessage calls that show all of this HTML in the staff chat, in order.

    Each part fits Telegram's limit (counted on the text shown) and is valid HTML alone;
    the buttons go with the last part.
    """
    parts = split_html(html, MessageLimit.MAX_TEXT_LENGTH)
    last = len(parts) - 1
    return [
        _staff_payload(chat_id, part, buttons if i == last else None)
        for i, part in enumerate(parts)
    ]


def _staff_payload(chat_id: int, text: str, buttons: list[list[tuple[str, str]]] | None) -> ApiCall:
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML"}
    if buttons:
        payload["reply_markup"] = _inline_keyboard(buttons)
    return "sendMessage", payload


def _inline_keyboard(rows: list[list[tuple[str, str]]]) -> dict[str, Any]:
    """An InlineKeyboardMarkup as JSON: buttons (label, callback data) in rows."""
    return {
        "inline_keyboard": [
            [{"callback_data": data, "text": label} for label, data in row] for row in rows
        ]
    }


def _key(key: Key) -> dict[str, Any]:
    """A KeyboardButton as JSON."""
    return {"request_contact": key.kind is KeyboardKind.CONTACT, "text": key.label}


def document_call(chat_id: int, name: str, data: bytes, caption: str) -> ApiCall:
    """Return the call that sends a small text file (its name and text kept in the payload,
    read back by the delivery worker)."""
    payload = {"chat_id": chat_id, "document": {"name": name, "text": data.decode()},
               "caption": caption}  # fmt: skip
    return "sendDocument", payload


def fit_text(text: str) -> str:
    """Cut a plain text to Telegram's limit, counted as Telegram does (UTF-16 code units)."""
    limit = MessageLimit.MAX_TEXT_LENGTH
    if utf16_len(text) <= limit:
        return text
    width = 0
    for end, char in enumerate(text):
        width += 2 if ord(char) > 0xFFFF else 1
        if width > limit - 1:
            return text[:end] + "…"
    return text
