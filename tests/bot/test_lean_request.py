"""The bot's own HTTP path to the Bot API (httpcore directly), over real HTTP."""

from __future__ import annotations

import asyncio
import json

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.telegram.lean_request import LeanRequest
from tests.bot.fake_bot_api import FakeBotApi

TOKEN = "123456:TEST-token-for-the-fake-server-only"
TRICKY = "Deep tissue & sports = 60 min?\n50% off 🎉 «today» a+b #1"


def _bot(api: FakeBotApi) -> Bot:
    return Bot(TOKEN, base_url=api.base_url, request=LeanRequest(4, 1.0))


async def test_a_message_arrives_exactly_as_sent_buttons_and_all() -> None:
    async with FakeBotApi() as api, _bot(api) as bot:
        sent = await bot.send_message(
            5,
            TRICKY,
            reply_markup={"inline_keyboard": [[{"text": "Book ✨", "callback_data": "a&b=c"}]]},
        )
        shown = api.last_message(5)
        assert shown.text == TRICKY and sent.text == TRICKY
        assert shown.buttons() == [("Book ✨", "a&b=c")]


async def test_a_hanging_call_times_out_and_a_dropped_one_is_a_network_error() -> None:
    async with FakeBotApi() as api, _bot(api) as bot:
        api.hold("sendMessage")
        # The call's own timeout counts, not the default 5 seconds.
        async with asyncio.timeout(3):
            with pytest.raises(TimedOut):
                await bot.send_message(5, "hello", read_timeout=0.3)
        api.release()
        api.drop_connection("sendMessage")
        with pytest.raises(NetworkError):
            await bot.send_message(5, "hello")
        await bot.send_message(5, "hello again")  # and the next call goes through
        assert api.last_message(5).text == "hello again"


async def test_with_a_proxy_configured_the_calls_go_through_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        asked.append((await reader.readline()).decode().strip())
        while (await reader.readline()).strip():
            pass  # the headers; getMe has no body
        body = json.dumps({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "P",
                                                 "username": "proxied_bot"}}).encode()  # fmt: skip
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        writer.write(b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    try:
        bot = Bot(TOKEN, base_url="http://api.example.test/bot", request=LeanRequest(4, 1.0))
        async with bot:
            me = await bot.get_me()
        assert me.username == "proxied_bot"
        assert asked and asked[0].startswith("POST http://api.example.test/bot")
    finally:
        server.close()
        await server.wait_closed()
