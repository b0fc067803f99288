"""The bot's own HTTP path to the Bot API (httpcore directly), over real HTTP."""

from __future__ import annotations

import asyncio
import json
import ssl
from pathlib import Path

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


# A self-signed certificate for 127.0.0.1, made for these tests only (valid until 2126).
TLS = Path(__file__).parent / "tls"
ME = {"id": 1, "is_bot": True, "first_name": "Clinic", "username": "clinic_bot"}


class TinyApi:
    """A minimal Bot API over raw asyncio streams: answers getMe, counts connections, and
    can close each kept-alive connection once it has answered (as servers do when idle)."""

    def __init__(self, close_after_answer: bool = False) -> None:
        self.close_after_answer = close_after_answer
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while (await reader.readline()).strip():  # the request line
                length = 0
                while (header := await reader.readline()).strip():
                    name, _, value = header.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                body = json.dumps({"ok": True, "result": ME}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
                writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
                if self.close_after_answer:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def start(self, tls: ssl.SSLContext | None = None) -> str:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0, ssl=tls)
        port = self.server.sockets[0].getsockname()[1]
        return f"{'https' if tls else 'http'}://127.0.0.1:{port}/bot"

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


async def test_calls_go_over_tls_and_the_certificate_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(TLS / "cert.pem", TLS / "key.pem")
    api = TinyApi()
    url = await api.start(server_side)
    try:
        # Not trusted (the system's authorities): refused before anything is sent.
        async with asyncio.timeout(10):
            with pytest.raises(NetworkError):
                await Bot(TOKEN, base_url=url, request=LeanRequest(4, 1.0)).initialize()
        monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "cert.pem"))  # now trusted
        async with Bot(TOKEN, base_url=url, request=LeanRequest(4, 1.0)) as bot:
            assert (await bot.get_me()).username == "clinic_bot"
    finally:
        await api.stop()


async def test_a_connection_the_server_closed_while_idle_is_not_used_again() -> None:
    api = TinyApi(close_after_answer=True)
    url = await api.start()
    try:
        async with Bot(TOKEN, base_url=url, request=LeanRequest(4, 1.0)) as bot:
            for _ in range(3):
                await asyncio.sleep(0.05)  # the server's close has arrived
                assert (await bot.get_me()).username == "clinic_bot"
        assert api.connections == 4  # initialize's getMe, then one for each call
    finally:
        await api.stop()
