"""The staff chat under a flood: a per-client cap, and urgent alerts ahead of the queue."""

from __future__ import annotations

import re
from typing import Any

import pytest
from telegram.ext import AIORateLimiter

from bot.services.conversations import STAFF_CAP
from bot.telegram.delivery import Outbox
from tests.bot.conftest import STAFF_CHAT, Running
from tests.bot.driver import Person, book

CAP = STAFF_CAP[0]
CHEST = "i have crushing chest pain right now and my left arm feels heavy"
CRISIS = "honestly i dont want to live anymore"
CAPPED = "already has your messages"


async def restart(running: Running, **options: Any) -> None:
    """Restart the bot with these build options; the flood guard is out of the way."""
    await running.stop()
    running.options = {"flood_limit": (1000, 10.0), **options}
    await running.start()
    assert running.app is not None
    outbox: Outbox = running.app.bot_data["outbox"]
    outbox.backoff = 0.05


async def talk_to_staff(client: Person, text: str, expect: str = "Sent ✅") -> str:
    await client.say("/staff", "Type your message for our team")
    return (await client.say(text, expect)).text


def staff_texts(running: Running) -> list[str]:
    return [m.text for m in running.api.messages(STAFF_CHAT)]


async def test_a_client_over_the_cap_is_told_the_team_has_their_messages(
    running: Running,
) -> None:
    await restart(running)
    spammer = Person(running.api, 50, "Sid")
    for n in range(1, CAP + 1):
        await talk_to_staff(spammer, f"hello, message {n}")
    capped = await talk_to_staff(spammer, "hello, one more", expect=CAPPED)
    assert "Sent ✅" not in capped
    summary = await book(spammer, send=False)
    running.api.press(spammer.user_id, summary.data_of("✅ Send request"), summary)
    refused = await running.api.wait_for_text(spammer.chat, CAPPED)
    assert "is with our team" not in refused.text
    await running.settle()
    texts = staff_texts(running)
    assert [t for t in texts if "Message from" in t] == [t for t in texts if "hello, message" in t]
    assert len(texts) == CAP and not any("one more" in t for t in texts)
    requests = await running.storage.fetch_all("SELECT count(*) FROM requests")
    assert requests[0][0] == 0, "nothing more is queued for staff, requests included"
    # Safety alerts are never capped, and other clients are not held back.
    await spammer.say(CHEST, "call 999 now")
    await running.api.wait_for_text(STAFF_CHAT, "URGENT alert")
    bob = Person(running.api, 43, "Bob")
    await talk_to_staff(bob, "can I park outside?")
    await running.api.wait_for_text(STAFF_CHAT, "can I park outside?")


@pytest.mark.slow(seconds=5)
async def test_urgent_alerts_reach_staff_ahead_of_the_messages_queued_before_them(
    running: Running,
) -> None:
    # The staff group's rate limit, as Telegram's ~20 a minute, made quick: one per 0.3 s.
    slow_group = AIORateLimiter(max_retries=0, group_max_rate=1, group_time_period=0.3)
    await restart(running, rate_limiter=slow_group)
    running.api.block(STAFF_CHAT, "Forbidden: bot was kicked from the supergroup chat")
    spammer = Person(running.api, 50, "Sid")
    for n in range(1, CAP + 1):
        await talk_to_staff(spammer, f"hello, message {n}")
    await Person(running.api, 42, "Ann").say(CHEST, "call 999 now")
    await running.api.wait_for_attempt(STAFF_CHAT, "URGENT alert")  # refused, to be retried
    running.api.block(STAFF_CHAT, None)  # the bot is back in the group: the queue drains
    await running.api.wait_for_text(STAFF_CHAT, "hello, message 1", timeout=30)
    await Person(running.api, 43, "Bob").say(CRISIS, "116 123")
    delivered = len(staff_texts(running))  # the crisis alert is queued by now
    await running.api.wait_for_messages(STAFF_CHAT, CAP + 2, timeout=30)
    await running.settle()
    texts = staff_texts(running)
    assert len(texts) == CAP + 2
    assert "URGENT alert" in texts[0], "the urgent alert went before the ten queued ahead of it"
    crisis = next(i for i, t in enumerate(texts) if "CRISIS alert" in t)
    # At most the one message already on its way when the alert was queued goes before it.
    assert crisis <= delivered + 1, texts
    assert crisis < len(texts) - 1, "messages were still queued behind it"
    spam = [int(m[1]) for t in texts if (m := re.search(r"hello, message (\d+)", t))]
    assert spam == list(range(1, CAP + 1)), "the client's own messages kept their order"
