"""The same conversation in a terminal: no Telegram, buttons shown numbered."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable
from typing import Any

from bot.config.content import Content
from bot.services.conversations import ConversationService
from bot.services.staff_desk import StaffMember, StaffService
from bot.services.teaching import Learning
from bot.store.database import Storage
from bot.telegram.delivery import Outbox
from flows.events import Client, Command, Contact, Event, Press, Text

CLIENT_CHAT = 1
STAFF_CHAT = -100
_TAG = re.compile(r"<[^>]+>")
Print = Callable[[str], None]
HELP = (
    "Type to chat; type a number to tap a button. Staff side: s1, s2… taps a button on the "
    "staff message, 'sr TEXT' replies to the last client message or request, 's/requests', "
    "'s/request N', 's/today', 's/week', 's/unanswered' are staff commands. 'quit' leaves."
)


class ConsoleBot:
    """Stands in for Telegram: prints what the bot sends and remembers the buttons."""

    def __init__(self, out: Print) -> None:
        self.out = out
        self.buttons: dict[int, tuple[list[str], int]] = {}
        self._next_id = 1

    async def send_message(self, **kw: Any) -> Any:
        """Print a new message."""
        return self._show("sendMessage", kw)

    async def edit_message_text(self, **kw: Any) -> Any:
        """Print an edited message."""
        return self._show("editMessageText", kw)

    async def edit_message_reply_markup(self, **kw: Any) -> Any:
        """Forget the buttons of a message (a closed conversation's)."""
        chat, message_id = int(kw.get("chat_id", 0)), int(kw.get("message_id") or 0)
        if self.buttons.get(chat, ([], 0))[1] == message_id:
            del self.buttons[chat]
        return True

    async def send_document(self, **kw: Any) -> Any:
        """Say a file was sent (the appointment's calendar file), by its name."""
        name = getattr(kw.get("document"), "filename", "a file")
        text = f"📎 {name} (a file to add to your calendar)"
        return self._show("sendMessage", {**kw, "text": text})

    def _show(self, endpoint: str, kw: dict[str, Any]) -> Any:
        chat = int(kw.get("chat_id", 0))
        message_id = int(kw.get("message_id") or self._next_id)
        if endpoint == "sendMessage":
            self._next_id += 1
        text = str(kw.get("text", ""))
        if kw.get("parse_mode") == "HTML":
            text = html.unescape(_TAG.sub("", text))
        who = "staff chat" if chat == STAFF_CHAT else "bot"
        edited = " (updated)" if endpoint == "editMessageText" else ""
        self.out(f"\n[{who}]{edited} " + text.replace("\n", "\n    "))
        markup = kw.get("reply_markup")
        self._show_markup(chat, markup.to_dict() if markup is not None else None, message_id)
        return {"message_id": message_id, "chat": {"id": chat}}

    def _show_markup(self, chat: int, markup: Any, message_id: int) -> None:
        if not isinstance(markup, dict):
            return
        prefix = "s" if chat == STAFF_CHAT else ""
        if "inline_keyboard" in markup:
            actions: list[str] = []
            for row in markup["inline_keyboard"]:
                for button in row:
                    actions.append(str(button["callback_data"]))
                    self.out(f"    [{prefix}{len(actions)}] {button['text']}")
            self.buttons[chat] = (actions, message_id)
        for row in markup.get("keyboard", []):
            for key in row:
                self.out(f"    (keyboard: {key['text']} — type 'share' to tap it)")


async def run_console(
    content: Content,
    db_path: str = ":memory:",
    read: Callable[[str], str] = input,
    out: Print = print,
) -> None:
    """Chat with the bot in the terminal until the user types 'quit' or input ends."""
    storage = await Storage.open(db_path)
    try:
        bot = ConsoleBot(out)
        outbox = Outbox(storage, bot)
        clients = ConversationService(content, storage, STAFF_CHAT)
        learning = Learning(content, storage, [clients])
        staff = StaffService(content, storage, STAFF_CHAT, learning=learning)
        await learning.refresh()
        client = Client(user_id=CLIENT_CHAT, chat_id=CLIENT_CHAT, first_name="Alex")
        member = StaffMember(2, "Sam (staff)")
        out(f"Chatting with the {content.clinic.name} bot as the client 'Alex'. {HELP}")

        async def send(event: Event, edit: int | None = None) -> None:
            await clients.handle(None, client, event, edit)

        await send(Command("start"))
        await outbox.flush()
        while True:
            try:
                line = (await asyncio.to_thread(read, "\nyou> ")).strip()
            except (EOFError, KeyboardInterrupt):
                break
            if line.lower() in ("quit", "exit", "q"):
                break
            client_buttons, client_msg = bot.buttons.get(CLIENT_CHAT, ([], 0))
            staff_buttons, staff_msg = bot.buttons.get(STAFF_CHAT, ([], 0))
            if not line:
                continue
            if line.isdigit() and 1 <= int(line) <= len(client_buttons):
                await send(Press(client_buttons[int(line) - 1]), client_msg)
            elif re.fullmatch(r"s\d+", line) and 1 <= int(line[1:]) <= len(staff_buttons):
                notice = await staff.press(
                    None, member, staff_buttons[int(line[1:]) - 1], staff_msg
                )
                out(f"    (staff sees: {notice})")
            elif line.startswith("sr "):
                async with storage.reading() as tables:
                    target = await tables.staff_messages.latest(STAFF_CHAT)
                if target is None or not await staff.reply(None, target, line[3:], member):
                    out("    (nothing to reply to yet)")
            elif line.startswith("s/"):
                words = line[2:].split()
                await staff.command(None, words[0].lower() if words else "", words[1:])
            elif line.lower() == "share":
                await send(Contact("+44 7700 900123", own=True))
            elif line.startswith("/"):
                await send(Command(line[1:].split()[0].lower()))
            else:
                await send(Text(line))
            await outbox.flush()
        out("Bye!")
    finally:
        await storage.close()
