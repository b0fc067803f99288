"""Nothing lost, nothing doubled: Telegram outages, retries, redelivered updates, restarts."""

from __future__ import annotations

import pytest

from bot.telegram.delivery import Outbox
from tests.bot.conftest import STAFF_CHAT, Running
from tests.bot.driver import Person, book


def fast_retries(running: Running) -> None:
    assert running.app is not None
    outbox: Outbox = running.app.bot_data["outbox"]
    outbox.backoff = 0.05


async def staff_notes(running: Running) -> list[str]:
    return [m.text for m in running.api.messages(STAFF_CHAT) if "Appointment request" in m.text]


@pytest.mark.parametrize("failure", ["outage", "429", "502", "dropped connection"])
async def test_a_request_made_while_telegram_fails_reaches_staff_exactly_once(
    running: Running, failure: str
) -> None:
    fast_retries(running)
    ann = Person(running.api, 42, "Ann")
    summary = await book(ann, send=False)
    if failure == "outage":
        running.api.outage(True)
    elif failure == "429":
        running.api.fail(None, status=429, retry_after=1, times=3)
    elif failure == "502":
        running.api.fail(None, status=502, times=3)
    else:
        running.api.drop_connection("sendMessage", times=2)
    running.api.press(ann.user_id, summary.data_of("✅ Send request"), summary)
    await running.settle()
    rows = await running.storage.fetch_all("SELECT count(*) FROM requests")
    assert rows[0][0] == 1, "the request is stored even though Telegram is failing"
    if failure == "outage":
        assert await staff_notes(running) == []
        running.api.outage(False)
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1", timeout=10)
    await running.api.wait_for_text(ann.chat, "is with our team", timeout=10)
    await running.settle()
    assert len(await staff_notes(running)) == 1
    confirmations = [m for m in running.api.messages(ann.chat) if "is with our team" in m.text]
    assert len(confirmations) == 1
    pending = await running.storage.fetch_all("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    assert pending[0][0] == 0


async def test_an_update_delivered_again_after_a_restart_is_handled_once(
    running: Running,
) -> None:
    ann = Person(running.api, 42, "Ann")
    summary = await book(ann, send=False)
    mark = running.api.version
    send = running.api.press(ann.user_id, summary.data_of("✅ Send request"), summary)
    await running.api.wait_for_text(ann.chat, "is with our team", mark)
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    await running.stop()
    running.api.redeliver(send)
    running.api.redeliver(running.api.send_text(ann.user_id, "parking?"))
    await running.start()
    await running.api.wait_for_text(ann.chat, "Market Street", mark)
    await running.settle()
    rows = await running.storage.fetch_all("SELECT count(*) FROM requests")
    assert rows[0][0] == 1
    assert len([m for m in running.api.messages(ann.chat) if "is with our team" in m.text]) == 1
    assert len([m for m in running.api.messages(ann.chat) if "Market Street" in m.text]) == 1
    assert len(await staff_notes(running)) == 1


async def test_client_replies_wait_for_telegram_and_keep_their_order(running: Running) -> None:
    fast_retries(running)
    running.api.outage(True)
    for text in ("parking?", "do you take card", "gift voucher"):
        running.api.send_text(42, text)
    await running.settle()
    assert running.api.messages(42) == []
    running.api.outage(False)
    replies = await running.api.wait_for_messages(42, 3, timeout=10)
    assert "Market Street" in replies[0].text
    assert "contactless" in replies[1].text
    assert "Gift vouchers" in replies[2].text


async def test_a_request_waits_while_the_bot_is_out_of_the_staff_group(running: Running) -> None:
    fast_retries(running)
    running.api.block(STAFF_CHAT, "Forbidden: bot was kicked from the supergroup chat")
    ann = Person(running.api, 42, "Ann")
    await book(ann)
    await running.settle()
    assert await staff_notes(running) == []
    refused = [c for c in running.api.calls_of("sendMessage") if c.params["chat_id"] == STAFF_CHAT]
    assert refused, "the bot did try the staff chat"
    running.api.block(STAFF_CHAT, None)
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #1", timeout=10)
    await running.settle()
    assert len(await staff_notes(running)) == 1


async def test_a_client_who_blocked_the_bot_does_not_hold_up_others(running: Running) -> None:
    fast_retries(running)
    running.api.block(42, "Forbidden: bot was blocked by the user")
    running.api.send_text(42, "parking?")
    await running.settle()
    given_up = await running.storage.fetch_all(
        "SELECT count(*) FROM outbox WHERE chat_id = 42 AND gave_up_at IS NOT NULL"
    )
    assert given_up[0][0] == 1, "a reply the client can never receive is not retried forever"
    bob = Person(running.api, 43, "Bob")
    await bob.say("parking?", "Market Street")


async def test_a_reply_held_back_by_telegram_still_arrives_before_later_ones(
    running: Running,
) -> None:
    fast_retries(running)
    running.api.fail("sendMessage", status=429, retry_after=1)
    running.api.send_text(42, "parking?")
    await running.api.wait_for_call("sendMessage")
    running.api.send_text(42, "do you take card")
    replies = await running.api.wait_for_messages(42, 2, timeout=10)
    assert "Market Street" in replies[0].text
    assert "contactless" in replies[1].text
