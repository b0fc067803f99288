"""Drive a client (or a staff member) through the bot over the fake Bot API."""

from __future__ import annotations

from dataclasses import dataclass

from tests.bot.conftest import STAFF_CHAT, STAFF_USER
from tests.bot.fake_bot_api import FakeBotApi, SentMessage


@dataclass
class Person:
    """Someone writing to the bot: a client in a private chat, or staff in the staff chat."""

    api: FakeBotApi
    user_id: int
    first_name: str = "Ann"
    username: str | None = None
    chat_id: int | None = None

    @property
    def chat(self) -> int:
        return self.chat_id if self.chat_id is not None else self.user_id

    async def say(self, text: str, expect: str, timeout: float = 5) -> SentMessage:
        """Send a message and wait for a reply containing `expect`."""
        mark = self.api.version
        self.api.send_text(
            self.user_id, text, chat_id=self.chat_id, first_name=self.first_name,
            username=self.username,
        )  # fmt: skip
        return await self.api.wait_for_text(self.chat, expect, mark, timeout)

    async def tap(self, label: str, expect: str) -> SentMessage:
        """Tap a button and wait for a new or edited message containing `expect`."""
        mark = self.api.version
        self.api.tap(self.user_id, label, self.chat, first_name=self.first_name,
                     username=self.username)  # fmt: skip
        return await self.api.wait_for_text(self.chat, expect, mark)

    async def share_phone(self, phone: str, expect: str) -> SentMessage:
        """Tap 'Share my phone number' and wait for `expect`."""
        mark = self.api.version
        self.api.send_contact(self.user_id, phone)
        return await self.api.wait_for_text(self.chat, expect, mark)


def staff(api: FakeBotApi) -> Person:
    """Return a staff member writing in the staff chat."""
    return Person(api, STAFF_USER, "Sam", "sam_desk", chat_id=STAFF_CHAT)


async def book(
    client: Person, ticks: dict[int, list[str]] | None = None, send: bool = True
) -> SentMessage:
    """Go from /book to the summary (and send it); return the last message."""
    ticks = ticks or {}
    await client.say("/book", "Do you agree?")
    await client.tap("✅ I agree", "Health check (1 of 4)")
    for group in range(4):
        for label in ticks.get(group, []):
            await client.tap(label, "Tap any that apply")
        following = f"Health check ({group + 2} of 4)" if group < 3 else "What name"
        await client.tap("Done ➡️" if ticks.get(group) else "None of these", following)
    await client.tap(f"Use “{client.first_name}”", "best phone number")
    await client.say("07700 900123", "Which session would you like?")
    await client.tap("60-minute massage · £65", "When would suit you?")
    await client.tap("Weekday evenings", "When would suit you?")
    await client.tap("Done ➡️", "What would you like us to work on?")
    await client.tap("Neck and shoulders", "What would you like us to work on?")
    summary = await client.tap("Done ➡️", "Here's your request")
    if not send:
        return summary
    return await client.tap("✅ Send request", "is with our team")


async def confirm_first_slot(sam: Person, request_no: int) -> SentMessage:
    """On a request's card (Confirm tapped), tap the earliest free time offered; return the
    card as it shows afterwards."""
    api = sam.api
    card = next(m for m in reversed(api.messages(sam.chat)) if "Confirm at which time?" in m.text)
    data = next(d for _, d in card.buttons() if d.startswith(f"st:{request_no}:a"))
    mark = api.version
    api.press(sam.user_id, data, card, first_name=sam.first_name, username=sam.username)
    return await api.wait_for_text(sam.chat, "Confirmed", mark)


async def confirm(sam: Person, request_no: int) -> SentMessage:
    """Tap Confirm on the newest request card with it, then the earliest free time."""
    await sam.tap("✅ Confirm", "Confirm at which time?")
    return await confirm_first_slot(sam, request_no)
