"""Whatever clients send, the bot replies sensibly or ignores it on purpose, and never fails."""

from __future__ import annotations

import asyncio
import html
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram.ext import ContextTypes

from bot.config.content import Content
from bot.store.database import Storage
from bot.telegram.app import build_application, start_application, stop_application
from tests.bot.conftest import STAFF_CHAT, Running, make_settings, settle
from tests.bot.driver import Person
from tests.bot.fake_bot_api import FakeBotApi

CLIENT = 42


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "video", "document", "location",
                                  "poll"])  # fmt: skip
async def test_non_text_messages_get_a_clear_reply(running: Running, kind: str) -> None:
    running.api.send_media(CLIENT, kind)
    (reply,) = await running.api.wait_for_messages(CLIENT, 1)
    assert "only read text" in reply.text


async def test_updates_the_bot_ignores_on_purpose(running: Running) -> None:
    running.api.edited_text(CLIENT, "edited question")
    running.api.channel_post(-100777, "channel news")
    running.api.send_text(555, "hello group", chat_id=-100888, chat_type="group")
    running.api.send_text(555, "/start", chat_id=-100888, chat_type="supergroup")
    running.api.send_text(555, "/requests", chat_id=-100888, chat_type="supergroup")
    await running.settle()
    assert running.api.calls_of("sendMessage") == []


NOT_SURE = "I'm not sure about that one"


@pytest.mark.parametrize(
    ("text", "expect", "button"),
    [
        ("x" * 4096, NOT_SURE, "💬 Talk to staff"),
        ("مرحبا، كم سعر الجلسة؟", NOT_SURE, "💬 Talk to staff"),
        ("🙂🙂🙂💆‍♀️", NOT_SURE, "💬 Talk to staff"),
        # Control and invisible characters are dropped: the question itself is answered.
        (
            "how\x00 much\x1b[31m is\u200b it\u202e?",
            "60-minute massage: £65",
            "📅 Book an appointment",
        ),
        ("<b>bold</b> & <script>alert(1)</script>", NOT_SURE, "💬 Talk to staff"),
        ("/", "Here's how I can help", "📅 Book an appointment"),
        ("   ", NOT_SURE, "💬 Talk to staff"),
    ],
)
async def test_odd_texts_get_a_reply(running: Running, text: str, expect: str, button: str) -> None:
    running.api.send_text(CLIENT, text)
    (reply,) = await running.api.wait_for_messages(CLIENT, 1)
    assert expect in reply.text, reply.text
    assert button in reply.labels()
    assert "<" not in reply.text.replace("<b>", "").replace("</b>", ""), "no raw markup"


STALE = "That button belongs to an earlier conversation"


@pytest.mark.parametrize(
    ("data", "expect"),
    [("bk", STALE), ("bk:1:ok", STALE), ("bk:999:t:0.heart", STALE),
     ("faq:no-such-id", STALE), ("forget:maybe", STALE), ("bk:1:t:0.rf_chest_breathing", STALE),
     ("x" * 64, STALE), ("topics:extra:parts", "tap a topic")],
)  # fmt: skip
async def test_forged_or_stale_button_data_gets_a_clear_reply(
    running: Running, data: str, expect: str
) -> None:
    await Person(running.api, CLIENT).say("/start", "Welcome")
    mark = running.api.version
    running.api.press(CLIENT, data, running.api.last_message(CLIENT))
    reply = await running.api.wait_for_text(CLIENT, expect, mark)
    assert {"📅 Book an appointment", "Book an appointment"} & set(reply.labels()), "a way on"
    await running.settle()
    assert len(running.api.messages(CLIENT)) == 2, "one reply, nothing else"
    assert running.api.messages(STAFF_CHAT) == []
    rows = await running.storage.fetch_all("SELECT count(*) FROM requests")
    assert rows[0][0] == 0
    states = await running.storage.fetch_all("SELECT state FROM conversations")
    held = [s for (s,) in states if '"hold":true' in s]
    assert not held, "a forged urgent tap does not block the client"


# Telegram never sends empty data (buttons carry 1-64 bytes); python-telegram-bot hands a
# forged empty one to the first handler with a pattern, the staff buttons' one.
@pytest.mark.parametrize("data", ["st:1:confirm", ""])
async def test_a_client_tapping_a_forged_staff_button_is_told_it_is_for_staff(
    running: Running, data: str
) -> None:
    await Person(running.api, CLIENT).say("/start", "Welcome")
    running.api.press(CLIENT, data, running.api.last_message(CLIENT))
    (answer,) = await running.api.wait_for_call("answerCallbackQuery")
    assert answer.params.get("text") == "Only clinic staff can do that."
    assert answer.params.get("show_alert") is True
    await running.settle()
    assert len(running.api.messages(CLIENT)) == 1 and running.api.messages(STAFF_CHAT) == []


async def test_commands_and_start_in_the_middle_of_the_check(running: Running) -> None:
    ann = Person(running.api, CLIENT, "Ann")
    consent = await ann.say("/book", "Do you agree?")
    agree = consent.data_of("✅ I agree")
    await ann.tap("✅ I agree", "Health check (1 of 4)")
    await ann.say("/help", "Here's how I can help")
    await ann.tap("None of these", "Health check (2 of 4)")
    await ann.say("/topics", "tap a topic")
    await ann.say("/book", "Let's start your request again")
    await ann.say("/start", "Welcome")
    running.api.press(CLIENT, agree, consent)
    stale = await running.api.wait_for_text(CLIENT, "earlier conversation")
    assert "❓ Ask a question" in stale.labels()


async def test_a_flood_gets_one_slow_down_reply_and_no_work(running: Running) -> None:
    for i in range(30):
        running.api.send_text(CLIENT, f"qqq zzz {i}")
    await running.settle()
    texts = [m.text for m in running.api.messages(CLIENT)]
    assert sum("faster than I can keep up" in t for t in texts) == 1
    assert len(texts) == 21
    rows = await running.storage.fetch_all("SELECT count(*) FROM unanswered")
    assert rows[0][0] == 20
    await running.api.wait_for_messages(CLIENT, 21)
    other = Person(running.api, 43)
    await other.say("parking?", "Market Street")


async def test_a_handler_error_apologises_and_alerts_staff_once_a_minute(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(type(running.content.desk), "handle", broken)
    running.api.send_text(CLIENT, "parking?")
    running.api.send_text(43, "prices?")
    await running.api.wait_for_messages(43, 1)
    await running.settle()
    assert "something went wrong" in running.api.last_message(CLIENT).text
    alerts = [m for m in running.api.messages(STAFF_CHAT) if "hit an error" in m.text]
    assert len(alerts) == 1 and "RuntimeError" in alerts[0].text
    assert "simulated bug" not in alerts[0].text
    assert len(running.errors) == 2
    running.errors.clear()


async def test_client_text_is_escaped_in_every_staff_message(running: Running) -> None:
    evil = Person(running.api, CLIENT, first_name="<b>Eve</b>", username="eve<&>")
    await evil.say("/book", "Do you agree?")
    await evil.tap("📞 No — please call me instead", "What name")
    await evil.say("Eve", "phone number")
    await evil.say("07700 900123", "call you")
    note = await running.api.wait_for_text(STAFF_CHAT, "Call-back request")
    assert "&lt;b&gt;Eve&lt;/b&gt;" in note.text and "eve&lt;&amp;&gt;" in note.text
    assert html.unescape(note.text).count("<b>Eve</b>") == 1


# ---- a property-based test: random sequences of client updates ----

ACTIONS = st.one_of(
    st.tuples(st.just("text"), st.text(max_size=300)),
    st.tuples(st.just("text"), st.sampled_from(
        ["/start", "/book", "/help", "/topics", "/staff", "/forget", "/privacy", "/cancel",
         "/requests", "parking?", "Ann", "07700 900123", "hi", "thanks"])),
    st.tuples(st.just("tap"), st.integers(min_value=0, max_value=30)),
    st.tuples(st.just("media"), st.sampled_from(["sticker", "photo", "voice", "location"])),
    st.tuples(st.just("contact"), st.booleans()),
    st.tuples(st.just("edit"), st.text(max_size=20)),
    st.tuples(st.just("forged"), st.text(max_size=64)),
)  # fmt: skip


async def _scenario(content: Content, db: Path, actions: list[tuple[str, Any]]) -> None:
    errors: list[BaseException] = []

    async def collect(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    async with FakeBotApi() as api:
        storage = await Storage.open(db)
        app = build_application(make_settings(api, db), content, storage, error_handler=collect)
        try:
            await start_application(app, poll_timeout=1)
            for kind, value in actions:
                messages = api.messages(CLIENT)
                if kind == "text":
                    api.send_text(CLIENT, value)
                elif kind == "tap" and messages:
                    buttons = [(m, d) for m in messages for _, d in m.buttons()]
                    if buttons:
                        message, data = buttons[value % len(buttons)]
                        api.press(CLIENT, data, message)
                elif kind == "media":
                    api.send_media(CLIENT, value)
                elif kind == "contact":
                    api.send_contact(CLIENT, "+447700900123", own=value)
                elif kind == "edit":
                    api.edited_text(CLIENT, value)
                elif kind == "forged" and messages:
                    api.press(CLIENT, value, messages[-1])
                await asyncio.sleep(0.005)
            await settle(api, app)
            mark = api.version
            api.send_text(CLIENT, "/start")
            await api.wait_for_text(CLIENT, "Welcome", mark)
            api.send_text(CLIENT, "what are your opening hours?")
            await api.wait_for_text(CLIENT, "Our opening hours", mark)
        finally:
            await stop_application(app)
            await storage.close()
    assert errors == [], errors


@pytest.mark.slow(seconds=5.5)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=st.lists(ACTIONS, min_size=1, max_size=12))
def test_random_update_sequences_never_break_the_bot(
    content: Content, tmp_path_factory: pytest.TempPathFactory, actions: list[tuple[str, Any]]
) -> None:
    db = tmp_path_factory.mktemp("fuzz") / "bot.sqlite3"
    asyncio.run(_scenario(content, db, actions))
