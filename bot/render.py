"""Turn replies into Bot API calls (method and parameters), ready for the outbox."""

from __future__ import annotations

from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import MessageLimit

from flows.replies import Key, KeyboardKind, Reply

ApiCall = tuple[str, dict[str, Any]]


def to_api_call(reply: Reply, chat_id: int, edit_message_id: int | None = None) -> ApiCall:
    """Return the Bot API method and parameters that show `reply` in a chat.

    Client texts are sent without a parse mode, so nothing a client or the clinic
    writes can be read as markup.
    """
    text = _fit(reply.text)
    markup: dict[str, Any] | None = None
    if reply.buttons:
        markup = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
                for row in reply.buttons
            ]
        ).to_dict()
    elif reply.keys:
        markup = ReplyKeyboardMarkup(
            [[_key(k) for k in row] for row in reply.keys],
            resize_keyboard=True,
            one_time_keyboard=True,
        ).to_dict()
    elif reply.remove_keys:
        markup = ReplyKeyboardRemove().to_dict()
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
    """Return a sendMessage call for the staff chat with HTML text (already escaped)."""
    payload: dict[str, Any] = {"chat_id": chat_id, "text": _fit(html), "parse_mode": "HTML"}
    if buttons:
        payload["reply_markup"] = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(label, callback_data=data) for label, data in row]
                for row in buttons
            ]
        ).to_dict()
    return "sendMessage", payload


def _key(key: Key) -> KeyboardButton:
    return KeyboardButton(key.label, request_contact=key.kind is KeyboardKind.CONTACT)


def _fit(text: str) -> str:
    limit = MessageLimit.MAX_TEXT_LENGTH
    return text if len(text) <= limit else text[: limit - 1] + "…"
