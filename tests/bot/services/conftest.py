"""The services in-process: real storage (a SQLite file), the real delivery worker, and a
sender that records what would go to Telegram instead of an HTTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram.error import NetworkError

from bot.config.content import Content
from bot.services.conversations import ConversationService
from bot.services.staff_desk import StaffMember, StaffService
from bot.store.database import Storage
from bot.telegram.delivery import Outbox
from flows.events import Client, Command, Event, Press, Text

STAFF_CHAT = -1001
STAFF = StaffMember(7, "Sam (@sam_desk)")


@dataclass
class Shown:
    """A message as the chat shows it now (edits applied)."""

    chat_id: int
    message_id: int
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # label, callback data
    file: bytes = b""  # a document's content


class RecordingSender:
    """Stands in for the Bot API: keeps every message and edit, numbering messages."""

    def __init__(self) -> None:
        self.shown: list[Shown] = []
        self.fail_next = 0  # how many calls to refuse with a network error

    async def send_message(self, **kw: Any) -> Any:
        """Record a new message."""
        self._maybe_fail()
        message = Shown(int(kw["chat_id"]), len(self.shown) + 1, str(kw["text"]))
        message.buttons = _buttons(kw.get("reply_markup"))
        self.shown.append(message)
        return {"message_id": message.message_id}

    async def send_document(self, **kw: Any) -> Any:
        """Record a file sent, as a message naming it; keep its bytes."""
        self._maybe_fail()
        document = kw["document"]
        message = Shown(int(kw["chat_id"]), len(self.shown) + 1, f"📎 {document.filename}")
        message.file = document.input_file_content
        self.shown.append(message)
        return {"message_id": message.message_id}

    async def edit_message_text(self, **kw: Any) -> Any:
        """Record an edit of an earlier message."""
        self._maybe_fail()
        for message in self.shown:
            if message.message_id == int(kw["message_id"]):
                message.text = str(kw["text"])
                message.buttons = _buttons(kw.get("reply_markup"))
        return {"message_id": int(kw["message_id"])}

    def in_chat(self, chat_id: int) -> list[Shown]:
        """Return a chat's messages, oldest first."""
        return [m for m in self.shown if m.chat_id == chat_id]

    def last(self, chat_id: int) -> Shown:
        """Return a chat's newest message."""
        return self.in_chat(chat_id)[-1]

    def _maybe_fail(self) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise NetworkError("connection reset")


def _buttons(markup: Any) -> list[tuple[str, str]]:
    if markup is None or not hasattr(markup, "inline_keyboard"):
        return []
    return [(b.text, str(b.callback_data)) for row in markup.inline_keyboard for b in row]


@dataclass
class Desk:
    """A client and the staff chat, served by the real services and the delivery worker."""

    storage: Storage
    sender: RecordingSender
    outbox: Outbox
    clients: ConversationService
    staff: StaffService
    client: Client

    async def send(self, event: Event, edit: int | None = None) -> None:
        """Handle a client event and deliver everything it queued."""
        await self.clients.handle(None, self.client, event, edit)
        await self.outbox.flush()

    async def say(self, text: str) -> Shown:
        """Type a message (or /command); return the newest message in the client's chat."""
        event = Command(text[1:]) if text.startswith("/") else Text(text)
        await self.send(event)
        return self.sender.last(self.client.chat_id)

    async def tap(self, label: str) -> Shown:
        """Tap the newest client button with this label; return the newest message."""
        message, data = _find(self.sender.in_chat(self.client.chat_id), label)
        await self.send(Press(data), message.message_id)
        return self.sender.last(self.client.chat_id)

    async def staff_tap(self, label: str, request_no: int) -> str:
        """Tap a staff button on a request's card; return the notice staff see."""
        cards = [m for m in self.sender.in_chat(STAFF_CHAT) if f"#{request_no}" in m.text]
        message, data = _find(cards, label)
        notice = await self.staff.press(None, STAFF, data, message.message_id)
        await self.outbox.flush()
        return notice

    async def tap_first_slot(self, request_no: int) -> str:
        """Tap the earliest free time offered on a request's card; return the notice."""
        card = self.card(request_no)
        data = next(d for _, d in card.buttons if d.startswith(f"st:{request_no}:a"))
        notice = await self.staff.press(None, STAFF, data, card.message_id)
        await self.outbox.flush()
        return notice

    def card(self, request_no: int) -> Shown:
        """Return the staff chat's card of a request, as it shows now."""
        return next(m for m in self.sender.in_chat(STAFF_CHAT) if f" #{request_no}</b>" in m.text)


def _find(messages: list[Shown], label: str) -> tuple[Shown, str]:
    for message in reversed(messages):
        for text, data in message.buttons:
            if text == label:
                return message, data
    shown = [[t for t, _ in m.buttons] for m in messages]
    raise AssertionError(f"no button {label!r}; buttons shown: {shown}")


@pytest.fixture
async def desk(content: Content, tmp_path: Path) -> AsyncIterator[Desk]:
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    sender = RecordingSender()
    try:
        yield Desk(
            storage, sender, Outbox(storage, sender, staff_chat_id=STAFF_CHAT),
            ConversationService(content, storage, STAFF_CHAT),
            StaffService(content, storage, STAFF_CHAT),
            Client(user_id=42, chat_id=42, first_name="Ann", username="ann_k"),
        )  # fmt: skip
    finally:
        await storage.close()


async def book(
    desk: Desk,
    ticks: dict[int, list[str]] | None = None,
    session: str = "60-minute massage · £65",
) -> int:
    """Go from /book to a sent request (the session tapped); return its number."""
    ticks = ticks or {}
    await desk.say("/book")
    await desk.tap("✅ I agree")
    for group in range(4):
        for label in ticks.get(group, []):
            await desk.tap(label)
        await desk.tap("Done ➡️" if ticks.get(group) else "None of these")
    await desk.tap("Use “Ann”")
    await desk.say("07700 900123")
    await desk.tap(session)
    await desk.tap("Weekday evenings")
    await desk.tap("Done ➡️")
    await desk.tap("Neck and shoulders")
    await desk.tap("Done ➡️")
    sent = await desk.tap("✅ Send request")
    assert "is with our team" in sent.text, sent.text
    rows = await desk.storage.fetch_all("SELECT max(id) FROM requests")
    return int(rows[0][0])
