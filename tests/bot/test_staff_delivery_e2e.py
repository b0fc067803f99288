"""Staff messages Telegram accepts: whole, in valid parts, plain text as a last resort.

Through the real Application and the fake Bot API, which parses HTML and counts the
4,096 limit on the parsed text as Telegram does, and refuses button data over 64 bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config.clinic import DEFAULT_CLINIC_FILE
from bot.config.content import load_content
from bot.store.database import Storage
from bot.store.outbox import Purpose
from bot.telegram.delivery import Outbox
from faq.kb import DEFAULT_KB_FILE
from tests.bot.conftest import STAFF_CHAT, STAFF_USER, Running, make_settings
from tests.bot.driver import Person
from tests.bot.fake_bot_api import FakeBotApi, SentMessage

ASK = "Type your message for our team"
SENT = "Sent ✅"


async def to_staff(client: Person, text: str) -> None:
    await client.say("/staff", ASK)
    await client.say(text, SENT)


def handoff_parts(api: FakeBotApi, chat: int = STAFF_CHAT) -> list[SentMessage]:
    return [m for m in api.messages(chat) if m.parse_mode == "HTML"]


def kb_with_a_long_id(folder: Path) -> tuple[Path, str]:
    """Write the shipped knowledge base with one entry's id made 100 characters long."""
    long_id = ("gift-cards-" * 10)[:99] + "x"
    raw = yaml.safe_load(Path(DEFAULT_KB_FILE).read_text(encoding="utf-8"))
    next(e for e in raw["entries"] if e["id"] == "gift-cards")["id"] = long_id
    kb_file = folder / "kb.yaml"
    kb_file.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return kb_file, long_id


def refused_texts(api: FakeBotApi) -> list[str]:
    return [description for method, description in api.refused if method.lower() == "sendmessage"]


async def test_a_2000_character_message_with_500_ampersands_reaches_staff_whole(
    running: Running,
) -> None:
    text = ("fish & chips " * 200)[:1500] + "&" * 500
    assert len(text) == 2000 and text.count("&") >= 500
    await to_staff(Person(running.api, 42, "Ann"), text)
    note = await running.api.wait_for_text(STAFF_CHAT, "Message from")
    await running.settle()
    assert text in note.shown, "staff see every character the client wrote"
    assert "Reply to this message to answer." in note.shown
    assert len(handoff_parts(running.api)) == 1
    assert refused_texts(running.api) == []


async def test_a_4000_character_message_with_a_long_header_arrives_in_parts(
    running: Running,
) -> None:
    # 64 characters of first name (Telegram's longest), each escaped to four or five.
    name = ("<&>" * 22)[:64]
    client = Person(running.api, 42, name, username="a" * 32)
    text = " ".join(f"<{n}&{n}>" for n in range(800))[:4000].strip()
    assert len(text) >= 3990
    await to_staff(client, text)
    await running.api.wait_for_messages(STAFF_CHAT, 2)
    await running.settle()
    parts = handoff_parts(running.api)
    assert len(parts) >= 2, "the escaped message is longer than one Telegram message"
    assert refused_texts(running.api) == [], "Telegram accepted every part"
    shown = "".join(p.shown for p in parts)
    assert text in shown, "nothing of the client's words is lost or cut mid-entity"
    assert f"Message from {name}" in parts[0].shown
    assert shown.endswith("Reply to this message to answer.")
    # A reply to any part answers the client.
    mark = running.api.version
    running.api.send_text(STAFF_USER, "Yes, we can help.", chat_id=STAFF_CHAT, reply_to=parts[-1])
    await running.api.wait_for_text(client.chat, "Yes, we can help.", mark)


async def test_a_faq_entry_with_a_100_character_id_gives_a_working_button(
    api: FakeBotApi, tmp_path: Path
) -> None:
    kb_file, long_id = kb_with_a_long_id(tmp_path)
    assert len(long_id) == 100
    content = load_content(DEFAULT_CLINIC_FILE, kb_file=kb_file)
    settings = make_settings(api, tmp_path / "bot.sqlite3")
    storage = await Storage.open(settings.db_path)
    bot = Running(api, settings, content, storage)
    try:
        await bot.start()
        client = Person(api, 42, "Ann")
        topics = await client.say("/topics", "")
        entry = content.kb.get(long_id)
        assert entry is not None
        assert len(topics.data_of(entry.title).encode()) <= 64
        answer = await client.tap(entry.title, entry.answer[:40])
        assert answer.text == entry.answer
        assert api.refused == []
    finally:
        await bot.stop()
        await storage.close()
    assert bot.errors == []


async def test_a_staff_message_telegram_refuses_as_malformed_is_resent_as_plain_text(
    running: Running,
) -> None:
    # What an older version queued: the HTML cut at 4,096 characters, inside the <i>.
    cut = (
        '💬 <b>Message from <a href="tg://user?id=42">Ann</a></b>\nfish &amp; chips\n\n<i>Reply t…'
    )
    async with running.storage.transaction() as tx:
        payload = {"chat_id": STAFF_CHAT, "text": cut, "parse_mode": "HTML"}
        await tx.outbox.enqueue(STAFF_CHAT, "sendMessage", payload, Purpose.HANDOFF, None)
    assert running.app is not None
    outbox: Outbox = running.app.bot_data["outbox"]
    outbox.wake()
    note = await running.api.wait_for_text(STAFF_CHAT, "fish & chips")
    assert note.parse_mode is None
    assert note.text == "💬 Message from Ann\nfish & chips\n\nReply t…"
    assert any("can't parse entities" in r for r in refused_texts(running.api))
    await running.settle()
    assert len(running.api.messages(STAFF_CHAT)) == 1, "sent once, as plain text"
    rows = await running.storage.fetch_all("SELECT sent_at, gave_up_at FROM outbox")
    assert [(r[0] is not None, r[1]) for r in rows] == [(True, None)]


async def test_the_bot_follows_the_staff_group_to_its_supergroup(running: Running) -> None:
    supergroup = -1009876543210
    running.api.migrate(STAFF_CHAT, supergroup)
    client = Person(running.api, 42, "Ann")
    await to_staff(client, "can I park outside?")
    note = await running.api.wait_for_text(supergroup, "can I park outside?")
    assert running.api.messages(STAFF_CHAT) == []
    assert any("upgraded to a supergroup" in r for r in refused_texts(running.api))
    # Staff act from the new group: a reply reaches the client, and commands work.
    mark = running.api.version
    running.api.send_text(STAFF_USER, "Yes, there is parking.", chat_id=supergroup, reply_to=note)
    await running.api.wait_for_text(client.chat, "Yes, there is parking.", mark)
    staff = Person(running.api, STAFF_USER, "Sam", chat_id=supergroup)
    await staff.say("/requests", "No open requests")
    await to_staff(client, "and is it free?")
    await running.api.wait_for_text(supergroup, "and is it free?")
    # Staff's command menu is shown in the new group too (both menus set again).
    await running.api.wait_for_call("setMyCommands", 4)
    assert "requests" in dict(running.api.command_menus[f"chat:{supergroup}"])


async def test_a_button_answered_too_late_still_does_its_work(running: Running) -> None:
    running.api.query_max_age = 0.0  # every answerCallbackQuery now comes too late
    client = Person(running.api, 42, "Ann")
    await client.say("/start", "")
    menu = running.api.last_message(client.chat)
    label = next(label for label, data in menu.buttons() if data == "staff")
    await client.tap(label, ASK)
    await running.api.wait_for_call("answerCallbackQuery")
    assert any("query is too old" in d for _, d in running.api.refused)


@pytest.mark.slow(seconds=4)
async def test_the_staff_group_rate_limit_delays_messages_but_loses_none(
    running: Running,
) -> None:
    running.api.limit_groups(2, window=2.0)
    for n in range(5):
        await to_staff(Person(running.api, 60 + n, f"C{n}"), f"question number {n}")
    await running.api.wait_for_messages(STAFF_CHAT, 5, timeout=30)
    texts = [m.shown for m in running.api.messages(STAFF_CHAT)]
    assert all(any(f"question number {n}" in t for t in texts) for n in range(5))
    assert any("Too Many Requests" in r for r in refused_texts(running.api))
