"""Load benchmark: simulated clients through the fake Bot API server, over real HTTP.

The fake server and the clients run in this process; each bot runs in a process of its
own, as it would next to the real Telegram, so its CPU and memory are its own. Phases:
  echo     a minimal python-telegram-bot echo bot, its defaults: the ceiling for this machine
  echo-paused  the same echo bot with the clinic bot's pause between getUpdates calls
  faq      the clinic bot answering FAQ messages (same clients, same messages)
  booking  clients going through the whole booking flow at once; then every request
           is checked to be stored once and sent to staff exactly once

Both bots poll the same fake server with the same python-telegram-bot settings. The clinic
bot runs with TELEGRAM_RATE_LIMIT=0 (the limiter off, as for a local Bot API server): with
Telegram's own limits (30 messages a second) the benchmark would measure the limiter. It
pauses POLL_PAUSE seconds between getUpdates calls, as in production, so under load it
fetches updates in batches; the echo bot is measured both with python-telegram-bot's
default (no pause) and with the same pause.

Run (needs the test extra for the fake server):
    python benchmarks/load.py [--clients 200] [--messages 10] [--bookings 1000] [--rounds 5]
With LOAD_PROFILE=FILE the clinic bot runs under cProfile and saves its stats to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import random
import resource
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The bot's package first, as clinic-bot imports it (bot/__init__.py: what it sets up).
import bot  # noqa: E402, F401, I001

import yaml  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, ContextTypes, MessageHandler, filters  # noqa: E402

from bot import memory  # noqa: E402
from bot.config.clinic import DEFAULT_CLINIC_FILE  # noqa: E402
from bot.config.content import load_content  # noqa: E402
from bot.config.settings import Settings  # noqa: E402
from bot.store.database import Storage  # noqa: E402
from bot.telegram.app import POLL_PAUSE, build_application, start_application, stop_application  # noqa: E402

if TYPE_CHECKING:
    from tests.bot.fake_bot_api import JSON, FakeBotApi

TOKEN = "123456:BENCHMARK-token-for-the-fake-server"
STAFF_CHAT = -100999
FIRST_CLIENT = 10_000
CASES = ROOT / "tests" / "faq" / "cases"
StartedApp = Application[Any, Any, Any, Any, Any, Any]


class Replies:
    """Per-chat wake-ups when the bot sends or edits a message there."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.events: dict[int, asyncio.Event] = {}
        api.listeners.append(self._seen)

    def _seen(self, method: str, params: JSON) -> None:
        if method in ("sendmessage", "editmessagetext") and "chat_id" in params:
            self.event(int(params["chat_id"])).set()

    def event(self, chat_id: int) -> asyncio.Event:
        return self.events.setdefault(chat_id, asyncio.Event())

    async def wait(self, chat_id: int, fragment: str, after: int, within: float = 120) -> None:
        """Wait for a message in the chat, new or edited after version `after`, with `fragment`."""
        event = self.event(chat_id)
        deadline = time.monotonic() + within
        while True:
            event.clear()
            for message in reversed(self.api.messages(chat_id)):
                if message.version > after and fragment in message.text:
                    return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {fragment!r} in chat {chat_id}")
            await asyncio.wait_for(event.wait(), remaining)


def faq_messages() -> list[str]:
    return [
        case["q"] for path in sorted(CASES.glob("*.yaml"))
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    ]  # fmt: skip


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory of this process in MB: now (VmRSS), or its peak (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    """The peak resident memory of this process itself, in MB.

    Not `getrusage`'s ru_maxrss: Linux keeps it across the exec that starts the bot, so
    it starts at the size of the benchmark process that spawned it (which grows round by
    round) and reported the benchmark's memory, not the bot's, whenever that was larger.
    VmHWM is the peak of the bot's own memory since its exec.
    """
    own = rss_mb("VmHWM")
    return own or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered)) - 1))]


# ---- the bot's process ----


def build_echo(api_url: str) -> StartedApp:
    """The ceiling: python-telegram-bot's minimal echo bot, default settings."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    app = Application.builder().token(TOKEN).base_url(f"{api_url}/bot").build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def serve(kind: str, api_url: str, db: str) -> None:
    """Run one bot until SIGTERM, then print its memory figures as JSON."""
    base = rss_mb()
    storage = None
    pause = POLL_PAUSE
    if kind.startswith("echo"):
        app = build_echo(api_url)
        if kind == "echo":
            pause = 0.0  # python-telegram-bot's default, as run_polling() uses
    else:
        settings = Settings(token=TOKEN, staff_chat_id=STAFF_CHAT, api_url=api_url,
                            db_path=Path(db), rate_limit=0)  # fmt: skip
        storage = await Storage.open(settings.db_path)
        memory.before_loading()  # as clinic-bot does around loading its content
        content = load_content(DEFAULT_CLINIC_FILE)
        memory.after_loading()
        app = build_application(settings, content, storage)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await start_application(app, poll_timeout=10, poll_pause=pause)
    await stop.wait()
    await stop_application(app)
    if storage is not None:
        await storage.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    print(json.dumps({"peak_mb": peak_mb(), "base_mb": base, "cpu_s": cpu}))


# ---- the clients' side: the fake Telegram and the people writing to the bot ----


class BotProcess:
    """A bot running in its own process against the fake server."""

    def __init__(self, kind: str, api: FakeBotApi, db: Path) -> None:
        self.args = [sys.executable, __file__, "--serve", kind, api.root_url, str(db)]
        self.api = api
        self.proc: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> BotProcess:
        self.proc = await asyncio.create_subprocess_exec(*self.args, stdout=asyncio.subprocess.PIPE)
        await self.api.wait_for_call("deleteWebhook", timeout=60)  # polling has started
        return self

    async def stop(self) -> dict[str, float]:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        out, _ = await self.proc.communicate()
        if self.proc.returncode != 0:
            raise SystemExit(f"the bot process failed with exit code {self.proc.returncode}")
        figures: dict[str, float] = json.loads(out.decode().strip().splitlines()[-1])
        return figures

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


async def chat_phase(kind: str, clients: int, per_client: int) -> dict[str, Any]:
    """Every client sends `per_client` messages, each after the reply to the last."""
    from tests.bot.fake_bot_api import FakeBotApi  # not in the bot's process: not its memory

    messages = faq_messages()
    async with FakeBotApi() as api:
        replies = Replies(api)
        with tempfile.TemporaryDirectory() as tmp:
            async with BotProcess(kind, api, Path(tmp) / "bench.sqlite3") as bot:
                latencies: list[float] = []

                async def client(chat_id: int) -> None:
                    pick = random.Random(chat_id)
                    for _ in range(per_client):
                        mark = api.version
                        t0 = time.perf_counter()
                        api.send_text(chat_id, pick.choice(messages))
                        await replies.wait(chat_id, "", mark)
                        latencies.append((time.perf_counter() - t0) * 1000)

                started = time.perf_counter()
                await asyncio.gather(*(client(FIRST_CLIENT + i) for i in range(clients)))
                elapsed = time.perf_counter() - started
                memory = await bot.stop()
    total = clients * per_client
    return {
        "phase": kind, "clients": clients, "updates": total, "seconds": elapsed,
        "updates_per_s": total / elapsed, "p50_ms": statistics.median(latencies),
        "p99_ms": pct(latencies, 0.99), **memory,
    }  # fmt: skip


async def booking_phase(clients: int) -> dict[str, Any]:
    """Every client books at once; then check each request was stored and sent exactly once."""
    from tests.bot.fake_bot_api import FakeBotApi  # the clients' side only

    async with FakeBotApi() as api:
        replies = Replies(api)
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.sqlite3"
            async with BotProcess("clinic", api, db) as bot:
                latencies: list[float] = []
                updates = 0

                async def step(chat_id: int, action: Callable[[], object], expect: str) -> None:
                    nonlocal updates
                    mark = api.version
                    t0 = time.perf_counter()
                    action()
                    updates += 1
                    await replies.wait(chat_id, expect, mark)
                    latencies.append((time.perf_counter() - t0) * 1000)

                async def client(chat_id: int) -> None:
                    def say(text: str) -> Callable[[], object]:
                        return lambda: api.send_text(chat_id, text, first_name="Ann")

                    def tap(label: str) -> Callable[[], object]:
                        return lambda: api.tap(chat_id, label, first_name="Ann")

                    await step(chat_id, say("/book"), "Do you agree?")
                    await step(chat_id, tap("✅ I agree"), "Health check (1 of 4)")
                    for group in range(4):
                        following = f"Health check ({group + 2} of 4)" if group < 3 else "What name"
                        await step(chat_id, tap("None of these"), following)
                    await step(chat_id, tap("Use “Ann”"), "best phone number")
                    await step(chat_id, say("07700 900123"), "Which session would you like?")
                    await step(chat_id, tap("60-minute massage · £65"), "When would suit you?")
                    await step(chat_id, tap("Weekday evenings"), "When would suit you?")
                    await step(chat_id, tap("Done ➡️"), "What would you like us to work on?")
                    await step(
                        chat_id, tap("Neck and shoulders"), "What would you like us to work on?"
                    )
                    await step(chat_id, tap("Done ➡️"), "Here's your request")
                    await step(chat_id, tap("✅ Send request"), "is with our team")

                started = time.perf_counter()
                await asyncio.gather(*(client(FIRST_CLIENT + i) for i in range(clients)))
                flow_s = time.perf_counter() - started
                notes = await _staff_notes(api, replies, clients)
                delivered_s = time.perf_counter() - started
                memory = await bot.stop()
            with contextlib.closing(sqlite3.connect(db)) as conn:
                stored, distinct = conn.execute(
                    "SELECT count(*), count(DISTINCT chat_id) FROM requests"
                ).fetchone()
                pending = conn.execute(
                    "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
                ).fetchone()[0]
    return {
        "phase": "booking", "clients": clients, "updates": updates, "seconds": flow_s,
        "updates_per_s": updates / flow_s, "p50_ms": statistics.median(latencies),
        "p99_ms": pct(latencies, 0.99), **memory, "all_sent_s": delivered_s,
        "requests_stored": stored, "distinct_clients": distinct, "staff_notes": len(notes),
        "distinct_notes": len(set(notes)), "outbox_pending": pending,
    }  # fmt: skip


async def _staff_notes(api: FakeBotApi, replies: Replies, expected: int) -> list[int]:
    """Wait until staff got `expected` request notes (or 60 s of silence); return their numbers."""
    event = replies.event(STAFF_CHAT)
    while True:
        event.clear()
        notes = [m.text for m in api.messages(STAFF_CHAT) if "Appointment request #" in m.text]
        if len(notes) >= expected:
            break
        try:
            await asyncio.wait_for(event.wait(), 60)
        except TimeoutError:
            break
    await asyncio.sleep(1)  # anything doubled would arrive now
    notes = [m.text for m in api.messages(STAFF_CHAT) if "Appointment request #" in m.text]
    return [int(t.split("Appointment request #")[1].split("<")[0]) for t in notes]


def median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the round with the median throughput (runs on a shared machine vary)."""
    return sorted(rounds, key=lambda r: r["updates_per_s"])[len(rounds) // 2]


def report(chats: dict[str, list[dict[str, Any]]], booking: dict[str, Any]) -> None:
    echo, paused, faq = (median_round(chats[k]) for k in ("echo", "echo-paused", "faq"))
    print(f"{'phase':<12} {'clients':>7} {'updates':>8} {'upd/s':>7} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'peak MB':>8}")  # fmt: skip
    for row in (echo, paused, faq, booking):
        print(f"{row['phase']:<12} {row['clients']:>7} {row['updates']:>8} "
              f"{row['updates_per_s']:>7.0f} {row['p50_ms']:>7.1f} {row['p99_ms']:>7.1f} "
              f"{row['peak_mb']:>8.0f}")  # fmt: skip
    rounds = len(chats["faq"])
    shares = [f / e for f, e in zip(_rates(chats, "faq"), _rates(chats, "echo"), strict=True)]
    print(
        f"chat phases: median of {rounds} interleaved rounds; upd/s per round: "
        + "; ".join(f"{k} {', '.join(f'{r:.0f}' for r in _rates(chats, k))}" for k in chats)
    )
    print(f"FAQ throughput: {faq['updates_per_s'] / echo['updates_per_s']:.0%} of the echo "
          f"bot's with its defaults (target: at least 60%; per round "
          f"{', '.join(f'{s:.0%}' for s in shares)}); "
          f"{faq['updates_per_s'] / paused['updates_per_s']:.0%} of the echo bot's with the "
          f"clinic bot's {POLL_PAUSE} s pause between getUpdates calls")  # fmt: skip
    lost = booking["clients"] - booking["distinct_notes"]
    doubled = booking["staff_notes"] - booking["distinct_notes"]
    print(f"booking: {booking['clients']} clients, {booking['requests_stored']} requests stored "
          f"({booking['distinct_clients']} distinct clients), {booking['staff_notes']} staff "
          f"notes ({booking['distinct_notes']} distinct), lost {max(lost, 0)}, doubled "
          f"{doubled}, outbox pending {booking['outbox_pending']}; flow done in "
          f"{booking['seconds']:.1f} s, all notes sent by "
          f"{booking['all_sent_s']:.1f} s")  # fmt: skip
    print("latency: from the update being queued at the fake server to the bot's reply "
          "arriving there; peak MB: the bot's process")  # fmt: skip


def _rates(chats: dict[str, list[dict[str, Any]]], kind: str) -> list[float]:
    return [r["updates_per_s"] for r in chats[kind]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200, help="clients for echo and faq")
    parser.add_argument("--messages", type=int, default=10, help="messages per client (max 20)")
    parser.add_argument("--bookings", type=int, default=1000, help="clients that book at once")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the chat phases")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        profile = os.environ.get("LOAD_PROFILE")
        if args.serve[0] == "clinic" and profile:
            # LOAD_PROFILE=FILE: the clinic bot runs under cProfile, its stats saved there.
            cProfile.runctx("asyncio.run(serve(*args.serve))", globals(), locals(), profile)
        else:
            asyncio.run(serve(*args.serve))
        return

    async def run_all() -> None:
        per_client = min(args.messages, 20)  # more would trip the per-client flood limit
        chats: dict[str, list[dict[str, Any]]] = {"echo": [], "echo-paused": [], "faq": []}
        for _ in range(args.rounds):
            for kind in chats:
                row = await chat_phase("clinic" if kind == "faq" else kind, args.clients,
                                       per_client)  # fmt: skip
                row["phase"] = kind
                chats[kind].append(row)
        booking = await booking_phase(args.bookings)
        report(chats, booking)

    asyncio.run(run_all())


if __name__ == "__main__":
    main()
