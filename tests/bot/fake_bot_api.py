"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests.

The bot under test talks to it over real HTTP exactly as it would to Telegram
(`ApplicationBuilder().base_url(api.base_url)`). Tests queue real Update JSON,
then wait for and inspect what the bot sent.

It refuses what Telegram refuses, with Telegram's codes and texts: HTML that Telegram's
parser refuses (see `telegram_html`), a text over 4,096 UTF-16 code units once parsed,
callback data over 64 bytes, a call to a chat sooner than the `retry_after` it was given,
an answer to a callback query older than `query_max_age` seconds (default 15) or answered
already. On request it also migrates a group (`migrate`) and limits each group to ~20
messages a minute (`limit_groups`, off by default: the suite would be minutes slower).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.bot.telegram_html import HtmlRefused, parse_html, utf16_len

BOT_ID = 123456
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Clinic", "username": "clinic_test_bot"}
# Parameters PTB sends as plain strings; everything else is JSON-encoded form data.
_STRINGS = {"text", "callback_query_id", "parse_mode", "url", "secret_token", "caption"}
_ALWAYS_UP = {"getupdates", "getme"}
JSON = dict[str, Any]
MAX_TEXT = 4096  # UTF-16 code units of the parsed text
MAX_BUTTON_DATA = 64  # bytes
# Seconds Telegram waits for answerCallbackQuery. Telegram does not publish it; bots see
# "query is too old" after some seconds (reports say 10-30), so the fake picks 15.
QUERY_MAX_AGE = 15.0
_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@dataclass
class Call:
    """One Bot API request the bot made."""

    method: str  # as the bot wrote it: Telegram takes method names in any case
    params: JSON


@dataclass
class SentMessage:
    """A message the bot sent, as it looks now (after any edits)."""

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: JSON | None
    edits: list[str] = field(default_factory=list)
    version: int = 0
    shown: str = ""  # the text as the reader sees it (HTML parsed), in case of parse_mode
    document: bytes = b""  # a file sent with sendDocument (the text is its name and caption)

    def __post_init__(self) -> None:
        self.shown = self.shown or self.text

    def buttons(self) -> list[tuple[str, str]]:
        """Return (label, callback data) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def labels(self) -> list[str]:
        """Return the labels of the inline buttons."""
        return [label for label, _ in self.buttons()]

    def data_of(self, label: str) -> str:
        """Return the callback data of the button with this exact label."""
        for text, data in self.buttons():
            if text == label:
                return data
        raise AssertionError(f"no button {label!r} on message {self.message_id}: {self.labels()}")

    def as_json(self) -> JSON:
        """Return the message as Telegram includes it in a callback query."""
        message: JSON = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": _chat(self.chat_id),
            "from": BOT_USER,
            "text": self.shown,
        }
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            message["reply_markup"] = self.reply_markup
        return message


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    times: int
    drop: bool = False


@dataclass
class _Hold:
    """A call to keep unanswered, and not acted on, until the test releases it."""

    method: str | None
    chat_id: int | None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    call: Call | None = None

    def matches(self, key: str, params: JSON) -> bool:
        if self.call is not None or (self.method is not None and key != self.method.lower()):
            return False
        return self.chat_id is None or _int_or_none(params.get("chat_id")) == self.chat_id


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _chat(chat_id: int, chat_type: str | None = None, title: str = "Group") -> JSON:
    kind = chat_type or ("private" if chat_id > 0 else "supergroup")
    chat: JSON = {"id": chat_id, "type": kind}
    if kind == "private":
        chat["first_name"] = "Client"
    else:
        chat["title"] = title
    return chat


def _user(user_id: int, first_name: str = "Ann", username: str | None = None) -> JSON:
    user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        user["username"] = username
    return user


class FakeBotApi:
    """The server: records calls, serves updates, can fail on purpose."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        # Each scope's command menu ("all_private_chats", "chat:-100"), as set by the bot.
        self.command_menus: dict[str, list[tuple[str, str]]] = {}
        self.updates: list[JSON] = []
        self.confirmed_offset = 0
        self._sent: dict[int, list[SentMessage]] = {}
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._changed = asyncio.Condition()
        self._failures: dict[str | None, _Failure] = {}
        self._outage = False
        self._blocked: dict[int, str] = {}  # chat id -> the 403 description Telegram gives
        self._last_call = 0.0
        self._in_flight = 0  # calls other than getUpdates not yet answered
        self.version = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Called with (method, params) after each successful call; benchmarks use it to time
        # replies without polling the whole record.
        self.listeners: list[Callable[[str, JSON], None]] = []
        self._token_refused = False
        self._hold: _Hold | None = None
        # Webhook mode: what setWebhook registered, and where updates are posted (the
        # registered URL is public and made up, so tests give the bot's local address).
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_statuses: list[int] = []
        self._deliveries: asyncio.Queue[JSON] | None = None
        self._deliverer: asyncio.Task[None] | None = None
        # Telegram's stricter rules (see the module docstring).
        self.query_max_age = QUERY_MAX_AGE
        self._queries: dict[str, float] = {}  # callback query id -> when it was made
        self._answered: set[str] = set()
        self._holds: dict[int | None, float] = {}  # chat (None: the bot) -> 429 until then
        self._migrated: dict[int, int] = {}
        self._group_limit: int | None = None
        self._group_window = 60.0
        self._group_sends: dict[int, list[float]] = {}
        self.refused: list[tuple[str, str]] = []  # (method, description) of each 4xx answer

    async def __aenter__(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        self._closing = True  # end pending long polls now instead of after their timeout
        await self._notify()
        self.release()
        if self._deliverer is not None:
            self._deliverer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._deliverer
        await self._runner.cleanup()

    @property
    def root_url(self) -> str:
        """Return the server's root, as TELEGRAM_API_URL would be set."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """Return the method URL prefix for ApplicationBuilder.base_url."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the file URL prefix for ApplicationBuilder.base_file_url."""
        return f"{self.root_url}/file/bot"

    # ---- what the bot sent ----

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Return the messages the bot sent to a chat, oldest first."""
        return list(self._sent.get(chat_id, []))

    def last_message(self, chat_id: int) -> SentMessage:
        """Return the latest message the bot sent to a chat."""
        sent = self._sent.get(chat_id)
        assert sent, f"the bot sent nothing to chat {chat_id}"
        return sent[-1]

    def calls_of(self, method: str) -> list[Call]:
        """Return the calls of one method."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    # ---- updates the bot will receive ----

    def push_update(self, body: JSON) -> JSON:
        """Queue an update (its update_id is assigned here) and return it."""
        update = {"update_id": next(self._update_ids), **body}
        self.updates.append(update)
        if self._deliveries is not None:
            self._deliveries.put_nowait(update)
        asyncio.get_running_loop().create_task(self._notify())
        return update

    def deliver_to(self, local_url: str) -> None:
        """Post every update queued from now on to the bot's webhook, as Telegram does.

        Each goes out with the secret token setWebhook registered, one at a time, in order.
        """
        self._deliveries = asyncio.Queue()
        self._deliverer = asyncio.get_running_loop().create_task(self._deliver(local_url))

    async def _deliver(self, local_url: str) -> None:
        assert self._deliveries is not None
        async with aiohttp.ClientSession() as http:
            while True:
                update = await self._deliveries.get()
                headers = {}
                if self.webhook_secret:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
                body = {k: v for k, v in update.items() if not k.startswith("_")}
                async with http.post(local_url, json=body, headers=headers) as response:
                    self.webhook_statuses.append(response.status)
                update["_fetched"] = True
                await self._notify()

    def redeliver(self, update: JSON) -> None:
        """Queue an update again with its original id, as Telegram does after a crash."""
        clean = {k: v for k, v in update.items() if not k.startswith("_")}
        self.updates.append(clean)
        self.updates.sort(key=lambda u: int(u["update_id"]))
        asyncio.get_running_loop().create_task(self._notify())

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        first_name: str = "Ann",
        username: str | None = None,
        chat_type: str | None = None,
        reply_to: SentMessage | None = None,
    ) -> JSON:
        """Queue a text message (a /command gets its bot_command entity)."""
        message = self._message(user_id, chat_id, first_name, username, chat_type)
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to.as_json()
        return self.push_update({"message": message})

    def press(self, user_id: int, data: str, message: SentMessage, **user: Any) -> JSON:
        """Queue a tap on an inline button of a message the bot sent."""
        return self.push_update(self.press_body(user_id, data, message, **user))

    def press_body(self, user_id: int, data: str, message: SentMessage, **user: Any) -> JSON:
        """Return the body of an update tapping a button, without queueing it (to forge one)."""
        query_id = str(next(self._update_ids) * 1000)
        self._queries[query_id] = time.monotonic()
        query = {
            "id": query_id,
            "from": _user(user_id, **user),
            "message": message.as_json(),
            "chat_instance": f"ci{message.chat_id}",
            "data": data,
        }
        return {"callback_query": query}

    def text_body(self, user_id: int, text: str, chat_id: int | None = None) -> JSON:
        """Return the body of an update with a message, without queueing it (to forge one)."""
        message = self._message(user_id, chat_id)
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        return {"message": message}

    def tap(self, user_id: int, label: str, chat_id: int | None = None, **user: Any) -> JSON:
        """Tap the button with this label on the newest message in the chat that has it."""
        for message in reversed(self.messages(chat_id or user_id)):
            if label in message.labels():
                return self.press(user_id, message.data_of(label), message, **user)
        raise AssertionError(f"no button {label!r} in chat {chat_id or user_id}")

    def send_contact(self, user_id: int, phone: str, *, own: bool = True) -> JSON:
        """Queue a shared contact (the 'share my phone number' button when own)."""
        message = self._message(user_id)
        contact: JSON = {"phone_number": phone, "first_name": "Ann"}
        if own:
            contact["user_id"] = user_id
        message["contact"] = contact
        return self.push_update({"message": message})

    def send_media(self, user_id: int, kind: str) -> JSON:
        """Queue a non-text message: sticker, photo, voice, video, document, location, poll."""
        file = {"file_id": f"f{kind}", "file_unique_id": f"u{kind}"}
        bodies: dict[str, Any] = {
            "sticker": {**file, "type": "regular", "width": 512, "height": 512,
                        "is_animated": False, "is_video": False},
            "photo": [{**file, "width": 90, "height": 90}],
            "voice": {**file, "duration": 3},
            "video": {**file, "width": 320, "height": 240, "duration": 3},
            "document": {**file, "file_name": "x.pdf"},
            "location": {"latitude": 51.5, "longitude": -0.12},
            "poll": {"id": "p1", "question": "?", "options": [
                {"persistent_id": "o1", "text": "a", "voter_count": 0},
                {"persistent_id": "o2", "text": "b", "voter_count": 0}],
                "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
                "type": "regular", "allows_multiple_answers": False,
                "allows_revoting": False, "members_only": False},
        }  # fmt: skip
        message = self._message(user_id)
        message[kind] = bodies[kind]
        return self.push_update({"message": message})

    def edited_text(self, user_id: int, text: str) -> JSON:
        """Queue an edited message."""
        message = self._message(user_id)
        message["text"] = text
        message["edit_date"] = int(time.time())
        return self.push_update({"edited_message": message})

    def channel_post(self, chat_id: int, text: str) -> JSON:
        """Queue a post in a channel the bot is in."""
        post = {"message_id": 1, "date": int(time.time()),
                "chat": _chat(chat_id, "channel", "News"), "text": text}  # fmt: skip
        return self.push_update({"channel_post": post})

    # ---- waiting ----

    async def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 5
    ) -> list[SentMessage]:
        """Wait until the bot has sent at least `count` messages to a chat."""
        await self._wait(lambda: len(self._sent.get(chat_id, [])) >= count, timeout,
                         f"{count} messages in chat {chat_id}")  # fmt: skip
        return self.messages(chat_id)

    async def wait_for_call(self, method: str, count: int = 1, timeout: float = 5) -> list[Call]:
        """Wait until the bot has called a method at least `count` times."""
        await self._wait(lambda: len(self.calls_of(method)) >= count, timeout,
                         f"{count} {method} calls")  # fmt: skip
        return self.calls_of(method)

    async def wait_for_text(
        self, chat_id: int, fragment: str, after: int = 0, timeout: float = 5
    ) -> SentMessage:
        """Wait for a message (new or edited after version `after`) containing `fragment`."""

        def find() -> SentMessage | None:
            for message in reversed(self._sent.get(chat_id, [])):
                if message.version > after and fragment in message.text:
                    return message
            return None

        await self._wait(lambda: find() is not None, timeout, f"{fragment!r} in chat {chat_id}")
        found = find()
        assert found is not None
        return found

    async def wait_for_attempt(self, chat_id: int, fragment: str, timeout: float = 5) -> None:
        """Wait until the bot has tried to send a chat a message containing `fragment`.

        Counts calls that were refused or failed too.
        """

        def tried() -> bool:
            return any(
                _int_or_none(c.params.get("chat_id")) == chat_id
                and fragment in str(c.params.get("text", ""))
                for c in self.calls_of("sendMessage")
            )

        await self._wait(tried, timeout, f"an attempt to send {fragment!r} to chat {chat_id}")

    async def wait_until_idle(self, quiet: float = 0.3, timeout: float = 10) -> None:
        """Wait until every queued update was fetched and the bot made no call for `quiet` s.

        A call still waiting for its answer counts as under way, however long ago it came.
        """
        deadline = time.monotonic() + timeout
        while True:
            fetched = all(u.get("_fetched") for u in self.updates)
            quiet_for = time.monotonic() - self._last_call
            if fetched and self._in_flight == 0 and quiet_for >= quiet:
                return
            if time.monotonic() > deadline:
                raise AssertionError("the bot did not go quiet:\n" + self.dump())
            await asyncio.sleep(0.05)

    def dump(self) -> str:
        """Describe every call, for assertion messages."""
        lines = []
        for call in self.calls:
            if call.method.lower() == "getupdates":
                continue
            text = str(call.params.get("text", ""))[:80].replace("\n", " ")
            lines.append(f"  {call.method} chat={call.params.get('chat_id')} {text!r}")
        return "\n".join(lines) or "  (no calls)"

    # ---- failures ----

    def fail(
        self, method: str | None, *, status: int = 502, retry_after: int | None = None,
        times: int = 1,
    ) -> None:  # fmt: skip
        """Make the next `times` calls of a method (None: any but getUpdates) fail."""
        key = method.lower() if method else None
        self._failures[key] = _Failure(status, retry_after, times)

    def drop_connection(self, method: str, times: int = 1) -> None:
        """Close the connection without an answer on the next calls of a method."""
        self._failures[method.lower()] = _Failure(0, None, times, drop=True)

    def block(self, chat_id: int, description: str | None) -> None:
        """Refuse (403) every call to a chat, as when the bot was removed; None lifts it."""
        if description is None:
            self._blocked.pop(chat_id, None)
        else:
            self._blocked[chat_id] = description

    def hold(self, method: str | None = None, chat_id: int | None = None) -> None:
        """Keep the next call of a method (None: any) to a chat (None: any) waiting.

        The call gets no answer and has no effect until `release`, as when the connection
        to Telegram hangs before Telegram acts on it: a bot killed meanwhile never learns
        what became of it.
        """
        self._hold = _Hold(method, chat_id)

    async def wait_for_hold(self, timeout: float = 5) -> Call:
        """Wait until the held call has arrived; return it."""
        hold = self._hold
        assert hold is not None, "nothing is held"
        try:
            await asyncio.wait_for(hold.arrived.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"no call was held; the bot sent:\n{self.dump()}") from None
        assert hold.call is not None
        return hold.call

    def release(self) -> None:
        """Let the held call go: it fails (502) without having taken effect."""
        if self._hold is not None:
            self._hold.released.set()
            self._hold = None

    def refuse_token(self, on: bool = True) -> None:
        """Answer every call 401 Unauthorized, as Telegram does for a revoked token."""
        self._token_refused = on

    def outage(self, on: bool) -> None:
        """Fail every method except getUpdates and getMe with 502 while on."""
        self._outage = on

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """Upgrade a group to a supergroup: calls to the old id are refused with the new one."""
        self._migrated[chat_id] = new_chat_id

    def limit_groups(self, per_minute: int | None = 20, window: float = 60.0) -> None:
        """Answer 429 to a group's message beyond `per_minute` in any 60 s (None: no limit).

        A shorter `window` makes the same rule quick to test.
        """
        self._group_limit = per_minute
        self._group_window = window

    # ---- internals ----

    def _message(
        self,
        user_id: int,
        chat_id: int | None = None,
        first_name: str = "Ann",
        username: str | None = None,
        chat_type: str | None = None,
    ) -> JSON:
        chat = chat_id if chat_id is not None else user_id
        return {
            "message_id": next(self._ids(chat)),
            "date": int(time.time()),
            "chat": _chat(chat, chat_type),
            "from": _user(user_id, first_name, username),
        }

    def _ids(self, chat_id: int) -> itertools.count[int]:
        return self._message_ids.setdefault(chat_id, itertools.count(1))

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _wait(self, ready: Any, timeout: float, what: str) -> None:
        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(ready)

        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"timed out waiting for {what}; the bot sent:\n{self.dump()}"
            ) from None

    async def _params(self, request: web.Request) -> JSON:
        raw: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json()
            return {**raw, **(body or {})}
        if request.can_read_body:
            raw.update(await request.post())
        params: JSON = {}
        for key, value in raw.items():
            if key in _STRINGS or not isinstance(value, str):
                params[key] = value
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["method"].lower() == "getupdates":
            return await self._answer(request)
        self._in_flight += 1
        try:
            return await self._answer(request)
        finally:
            self._in_flight -= 1
            self._last_call = time.monotonic()

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        key = method.lower()
        params = await self._params(request)
        hold = self._hold
        if hold is not None and hold.matches(key, params):
            hold.call = Call(method, params)
            hold.arrived.set()
            await hold.released.wait()
            return self._error(502, "Bad Gateway")
        failure = self._failure_for(key)
        if self._token_refused:
            return self._error(401, "Unauthorized")
        if failure is not None and failure.drop:
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        if key != "getupdates":
            self.calls.append(Call(method, params))
            self._last_call = time.monotonic()
        refused = self._refusal(key, params, failure)
        if refused is not None:
            await self._notify()
            return refused
        if failure is not None:
            await self._notify()
            if failure.status == 429:
                self._hold(params, failure.retry_after or 1)
            return self._error(failure.status, "Simulated failure", failure.retry_after)
        blocked = self._blocked.get(_int_or_none(params.get("chat_id")) or 0)
        if blocked is not None:
            await self._notify()
            return self._error(403, blocked)
        handler = getattr(self, f"_m_{key}", None)
        if handler is None:
            return self._error(404, "Not Found")
        result = await handler(params)
        if not isinstance(result, web.Response):
            for listener in self.listeners:
                listener(key, params)
        await self._notify()
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    def _failure_for(self, key: str) -> _Failure | None:
        if self._outage and key not in _ALWAYS_UP:
            return _Failure(502, None, 1)
        for name in (key, None):
            failure = self._failures.get(name)
            if failure is None or (name is None and key in _ALWAYS_UP):
                continue
            failure.times -= 1
            if failure.times <= 0:
                del self._failures[name]
            return failure
        return None

    def _error(
        self, status: int, description: str, retry_after: int | None = None,
        parameters: JSON | None = None,
    ) -> web.Response:  # fmt: skip
        body: JSON = {"ok": False, "error_code": status, "description": description}
        if status == 429:
            body["description"] = f"Too Many Requests: retry after {retry_after or 1}"
            body["parameters"] = {"retry_after": retry_after or 1}
        if parameters:
            body["parameters"] = parameters
        if 400 <= status < 500 and self.calls:
            self.refused.append((self.calls[-1].method, str(body["description"])))
        return web.json_response(body, status=status)

    # ---- Telegram's rules ----

    def _refusal(self, key: str, params: JSON, failure: _Failure | None) -> web.Response | None:
        """Answer what Telegram answers before a call is carried out: 429 or migration."""
        if key in _ALWAYS_UP:
            return None
        chat = _int_or_none(params.get("chat_id")) if "chat_id" in params else None
        now = time.monotonic()
        for holder in {chat, None}:
            until = self._holds.get(holder)
            if until is not None and now < until:
                # A retry before retry_after has passed: Telegram answers 429 again.
                return self._error(429, "", max(1, math.ceil(until - now)))
        if chat is not None and chat in self._migrated:
            return self._error(400, "Bad Request: group chat was upgraded to a supergroup chat",
                               parameters={"migrate_to_chat_id": self._migrated[chat]})  # fmt: skip
        if failure is None and key == "sendmessage" and chat is not None and chat < 0:
            return self._group_rate(chat, now)
        return None

    def _group_rate(self, chat: int, now: float) -> web.Response | None:
        if self._group_limit is None:
            return None
        sends = [t for t in self._group_sends.get(chat, []) if now - t < self._group_window]
        self._group_sends[chat] = sends
        if len(sends) < self._group_limit:
            sends.append(now)
            return None
        wait = max(1, math.ceil(sends[0] + self._group_window - now))
        self._holds[chat] = now + wait
        return self._error(429, "", wait)

    def _hold(self, params: JSON, seconds: int) -> None:
        chat = _int_or_none(params.get("chat_id")) if "chat_id" in params else None
        self._holds[chat] = time.monotonic() + seconds

    def _text_refusal(self, params: JSON) -> tuple[str, web.Response | None]:
        """Return the text as shown, and Telegram's refusal of it, if any."""
        text = str(params.get("text", ""))
        shown = text
        if str(params.get("parse_mode") or "").upper() == "HTML":
            try:
                shown = parse_html(text)
            except HtmlRefused as exc:
                return text, self._error(400, f"Bad Request: can't parse entities: {exc}")
        if not shown.strip():
            return shown, self._error(400, "Bad Request: message text is empty")
        if utf16_len(shown) > MAX_TEXT:
            return shown, self._error(400, "Bad Request: message is too long")
        return shown, self._markup_refusal(params)

    def _markup_refusal(self, params: JSON) -> web.Response | None:
        markup = params.get("reply_markup")
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        for row in rows:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_BUTTON_DATA:
                    return self._error(400, "Bad Request: BUTTON_DATA_INVALID")
        return None

    # ---- Bot API methods ----

    async def _m_setmycommands(self, params: JSON) -> bool | web.Response:
        """Keep each scope's command menu; refuse what Telegram refuses."""
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            return self._error(400, "Bad Request: commands must be a list of at most 100")
        for command in commands:
            name = str(command.get("command", ""))
            said = str(command.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                return self._error(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(said) <= 256:
                return self._error(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        scope = params.get("scope") or {"type": "default"}
        key = f"{scope['type']}:{scope.get('chat_id', '')}".rstrip(":")
        self.command_menus[key] = [(c["command"], c["description"]) for c in commands]
        return True

    async def _m_getme(self, params: JSON) -> JSON:
        return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}  # fmt: skip

    async def _m_getupdates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)

        def available() -> list[JSON]:
            return [u for u in self.updates if u["update_id"] >= offset][:limit]

        if not available() and timeout > 0:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(available()) or self._closing), timeout
                    )
        batch = available()
        for update in batch:
            update["_fetched"] = True
        return [{k: v for k, v in u.items() if not k.startswith("_")} for u in batch]

    async def _m_sendmessage(self, params: JSON) -> JSON | web.Response:
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        shown, refused = self._text_refusal(params)
        if refused is not None:
            return refused
        markup = params.get("reply_markup")
        self.version += 1
        message = SentMessage(chat_id, next(self._ids(chat_id)), text, params.get("parse_mode"),
                              markup if isinstance(markup, dict) else None,
                              version=self.version, shown=shown)  # fmt: skip
        self._sent.setdefault(chat_id, []).append(message)
        return message.as_json()

    async def _m_senddocument(self, params: JSON) -> JSON | web.Response:
        chat_id = int(params["chat_id"])
        upload = params.get("document")
        if not isinstance(upload, web.FileField):
            return self._error(400, "Bad Request: there is no document in the request")
        caption = str(params.get("caption", ""))
        self.version += 1
        text = f"📎 {upload.filename}\n{caption}"
        message = SentMessage(chat_id, next(self._ids(chat_id)), text, None, None,
                              version=self.version, document=upload.file.read())  # fmt: skip
        self._sent.setdefault(chat_id, []).append(message)
        n = message.message_id
        document = {"file_id": f"doc{n}", "file_unique_id": f"u{n}", "file_name": upload.filename}
        return {**message.as_json(), "document": document}

    async def _m_editmessagetext(self, params: JSON) -> JSON | web.Response:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        found = next((m for m in self._sent.get(chat_id, []) if m.message_id == message_id), None)
        if found is None:
            return self._error(400, "Bad Request: message to edit not found")
        markup = (
            params.get("reply_markup") if isinstance(params.get("reply_markup"), dict) else None
        )
        text = str(params.get("text", ""))
        shown, refused = self._text_refusal(params)
        if refused is not None:
            return refused
        if text == found.text and markup == found.reply_markup:
            return self._error(400, "Bad Request: message is not modified: specified new message "
                               "content and reply markup are exactly the same")  # fmt: skip
        found.edits.append(found.text)
        found.text, found.reply_markup, found.parse_mode = text, markup, params.get("parse_mode")
        found.shown = shown
        self.version += 1
        found.version = self.version
        return found.as_json()

    async def _m_editmessagereplymarkup(self, params: JSON) -> JSON | web.Response:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        found = next((m for m in self._sent.get(chat_id, []) if m.message_id == message_id), None)
        if found is None:
            return self._error(400, "Bad Request: message to edit not found")
        refused = self._markup_refusal(params)
        if refused is not None:
            return refused
        markup = params.get("reply_markup")
        found.reply_markup = markup if isinstance(markup, dict) else None
        return found.as_json()

    async def _m_answercallbackquery(self, params: JSON) -> bool | web.Response:
        query_id = str(params.get("callback_query_id", ""))
        made = self._queries.get(query_id)
        if made is None or query_id in self._answered:
            return self._error(400, _TOO_OLD)
        if time.monotonic() - made > self.query_max_age:
            return self._error(400, _TOO_OLD)
        self._answered.add(query_id)
        return True

    async def _m_deletemessage(self, params: JSON) -> bool:
        return True

    async def _m_sendchataction(self, params: JSON) -> bool:
        return True

    async def _m_deletemycommands(self, params: JSON) -> bool:
        return True

    async def _m_getmycommands(self, params: JSON) -> list[JSON]:
        return []

    async def _m_deletewebhook(self, params: JSON) -> bool:
        return True

    async def _m_setwebhook(self, params: JSON) -> bool:
        self.webhook_url = str(params.get("url") or "") or None
        self.webhook_secret = params.get("secret_token")
        return True

    async def _m_getwebhookinfo(self, params: JSON) -> JSON:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    async def _m_close(self, params: JSON) -> bool:
        return True

    async def _m_logout(self, params: JSON) -> bool:
        return True
