"""The real `clinic-bot run` process: kill -9 in the middle of a booking, then start again."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.bot.command_line import environment
from tests.bot.conftest import STAFF_CHAT, TOKEN
from tests.bot.driver import Person, book, confirm, staff
from tests.bot.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
CHEST = "i have crushing chest pain right now and my left arm feels heavy"


class BotProcess:
    """`python -m bot run` against the fake server, started and killed like a real deployment.

    Its log (standard error) is appended to a file beside the database, across restarts.
    """

    def __init__(self, api: FakeBotApi, db: Path, log_level: str = "INFO") -> None:
        self.env = {
            **environment(None),
            "TELEGRAM_BOT_TOKEN": TOKEN, "STAFF_CHAT_ID": str(STAFF_CHAT),
            "TELEGRAM_API_URL": api.root_url, "CLINIC_DB": str(db), "LOG_LEVEL": log_level,
        }  # fmt: skip
        self.db = db
        self.log_file = db.with_name(db.name + ".log")
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_file.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=self.env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log,
            )  # fmt: skip

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no cleanup at all
        await self.proc.wait()

    async def terminate(self, sig: signal.Signals = signal.SIGTERM) -> tuple[int, str]:
        """Stop it with a signal; return its exit code and everything it has logged."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), 15)
        return code, self.log()

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")


def _at_rest_on_disk(db: Path, sending: bool) -> bool:
    """True when the database holds no update still to handle (nor, if `sending`, to send)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
    try:
        left = con.execute("SELECT count(*) FROM inbox").fetchone()[0]
        if sending:
            unsent = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND gave_up_at IS NULL"
            left += con.execute(unsent).fetchone()[0]
    except sqlite3.Error:  # e.g. locked by the bot's write of the moment
        return False
    finally:
        con.close()
    return left == 0


async def at_rest(api: FakeBotApi, db: Path, *, sending: bool = True, timeout: float = 20) -> None:
    """Wait until the bot has finished all it was doing, to kill it between two things.

    Every update fetched and confirmed (the bot only confirms one it has on disk), its
    inbox row gone (deleted once handled, at the latest in the outbox's next round), every
    message sent unless Telegram is down (`sending=False`), no call unanswered and none
    made for 0.3 s.
    """
    deadline = time.monotonic() + timeout
    while True:
        await api.wait_until_idle(quiet=0.3, timeout=timeout)
        if not api.updates and await asyncio.to_thread(_at_rest_on_disk, db, sending):
            return
        if time.monotonic() > deadline:
            raise AssertionError("the bot did not come to rest:\n" + api.dump())
        await asyncio.sleep(0.05)


@pytest.fixture
async def process(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[BotProcess]:
    bot = BotProcess(api, tmp_path / "bot.sqlite3")
    yield bot
    if bot.proc is not None and bot.proc.returncode is None:
        await bot.kill()


@pytest.mark.slow(seconds=6)
async def test_kill_9_mid_check_loses_nothing_and_doubles_nothing(
    api: FakeBotApi, process: BotProcess
) -> None:
    ann = Person(api, 42, "Ann")
    await process.start()
    await ann.say("/book", "Do you agree?", timeout=20)
    await ann.tap("✅ I agree", "Health check (1 of 4)")
    await ann.tap("None of these", "Health check (2 of 4)")
    await ann.tap("Blood thinners", "Tap any that apply")
    await at_rest(api, process.db)
    await process.kill()
    # Taps while the bot is down wait at Telegram; one more lands just as it is killed again.
    api.tap(ann.user_id, "Done ➡️")
    await process.start()
    await api.wait_for_text(ann.chat, "Health check (3 of 4)", timeout=20)
    await at_rest(api, process.db)
    api.tap(ann.user_id, "None of these")
    await process.kill()
    await process.start()
    await api.wait_for_text(ann.chat, "Health check (4 of 4)", timeout=20)
    await ann.tap("None of these", "What name")
    await ann.say("Ann", "best phone number")
    await ann.say("07700 900123", "Which session would you like?")
    await ann.tap("60-minute massage · £65", "When would suit you?")
    await ann.say("mornings", "What would you like us to work on?")
    await ann.tap("Skip ➡️", "Here's your request")
    # Telegram fails while the request is sent, and the bot is killed before it recovers:
    # the stored request and its messages must still go out, once, after the restart.
    api.outage(True)
    api.tap(ann.user_id, "✅ Send request")
    await at_rest(api, process.db, sending=False)
    await process.kill()
    api.outage(False)
    await process.start()
    await api.wait_for_text(ann.chat, "is with our team", timeout=20)
    note = await api.wait_for_text(STAFF_CHAT, "Appointment request #1", timeout=20)
    assert "<b>Blood thinners</b>" in note.text and "CLEARANCE" in note.text
    await ann.say("parking?", "Market Street", timeout=20)
    texts = [m.text for m in api.messages(ann.chat)]
    for step in ("Health check (2 of 4)", "Health check (3 of 4)", "Health check (4 of 4)",
                 "is with our team"):  # fmt: skip
        assert sum(t.startswith(step) or step in t for t in texts) == 1, (step, texts)
    assert len([m for m in api.messages(STAFF_CHAT) if "Appointment request" in m.text]) == 1
    code, log = await process.terminate()
    assert code == 0
    assert "Traceback" not in log


@pytest.mark.slow(seconds=1)
async def test_sigterm_shuts_down_cleanly(api: FakeBotApi, process: BotProcess) -> None:
    await process.start()
    await Person(api, 42).say("/start", "Welcome", timeout=20)
    code, log = await process.terminate()
    assert code == 0
    assert "event=stopped" in log
    assert "Traceback" not in log
    assert TOKEN not in log


@pytest.mark.slow(seconds=3.5)
async def test_kill_9_while_an_update_is_being_handled_loses_nothing_and_doubles_nothing(
    api: FakeBotApi, process: BotProcess
) -> None:
    ann = Person(api, 42, "Ann")
    await process.start()
    await ann.say("/start", "Welcome", timeout=20)
    await book(ann, send=False)
    # Telegram leaves the bot's reply to "Send request" hanging: the bot is in the middle of
    # handling that tap (the request stored, its reply on the way) when it is killed.
    api.hold(chat_id=ann.chat)
    api.tap(ann.user_id, "✅ Send request")
    held = await api.wait_for_hold(timeout=20)
    # The first of the tap's replies: the summary loses its buttons.
    assert held.method.lower() == "editmessagetext" and "Here's your request" in held.params["text"]
    await process.kill()
    api.release()
    await process.start()
    await api.wait_for_text(ann.chat, "is with our team", timeout=20)
    await api.wait_for_text(STAFF_CHAT, "Appointment request #1", timeout=20)
    await ann.say("parking?", "Market Street", timeout=20)
    await at_rest(api, process.db)
    texts = [m.text for m in api.messages(ann.chat)]
    assert sum("is with our team" in t for t in texts) == 1, texts
    cards = [m for m in api.messages(STAFF_CHAT) if "Appointment request" in m.text]
    assert len(cards) == 1, api.dump()
    code, log = await process.terminate()
    assert code == 0 and "Traceback" not in log


@pytest.mark.slow(seconds=2.7)
async def test_kill_9_before_an_update_is_stored_loses_no_tap(
    api: FakeBotApi, process: BotProcess
) -> None:
    ann = Person(api, 42, "Ann")
    await process.start()
    await ann.say("/book", "Do you agree?", timeout=20)
    # The bot answers a tap's spinner first, before it stores anything: killed there, the
    # tap must still be handled after the restart (Telegram delivers it again).
    api.hold("answerCallbackQuery")
    tap = api.tap(ann.user_id, "✅ I agree")
    await api.wait_for_hold(timeout=20)
    # Meanwhile the bot has asked for the next updates, which tells Telegram it has this one.
    for _ in range(200):
        if api.confirmed_offset > tap["update_id"]:
            break
        await asyncio.sleep(0.05)
    await process.kill()
    api.release()
    await process.start()
    await api.wait_for_text(ann.chat, "Health check (1 of 4)", timeout=20)
    await at_rest(api, process.db)
    texts = [m.text for m in api.messages(ann.chat)]
    assert sum("Health check (1 of 4)" in t for t in texts) == 1, texts


@pytest.mark.slow(seconds=3)
async def test_ctrl_c_stops_cleanly_and_loses_nothing(api: FakeBotApi, process: BotProcess) -> None:
    ann = Person(api, 42, "Ann")
    await process.start()
    await ann.say("/book", "Do you agree?", timeout=20)
    await ann.tap("✅ I agree", "Health check (1 of 4)")
    # Telegram is failing when Ann taps: her next step is stored, not yet delivered.
    api.outage(True)
    edits = len(api.calls_of("editMessageText"))
    api.tap(ann.user_id, "None of these")
    await api.wait_for_call("editMessageText", edits + 1, timeout=20)  # refused, to be retried
    code, log = await process.terminate(signal.SIGINT)
    assert code == 0, log
    assert "event=stopped" in log and "Traceback" not in log and TOKEN not in log
    api.outage(False)
    await process.start()
    await api.wait_for_text(ann.chat, "Health check (2 of 4)", timeout=20)
    await ann.tap("None of these", "Health check (3 of 4)")
    await at_rest(api, process.db)
    texts = [m.text for m in api.messages(ann.chat)]
    assert sum("Health check (2 of 4)" in t for t in texts) == 1, texts
    code, _ = await process.terminate(signal.SIGINT)
    assert code == 0


@pytest.mark.slow(seconds=2)
async def test_what_clients_type_never_reaches_the_log(api: FakeBotApi, tmp_path: Path) -> None:
    process = BotProcess(api, tmp_path / "bot.sqlite3", log_level="DEBUG")
    await process.start()
    try:
        ann = Person(api, 42, "Quentin", username="qblathers")
        await ann.say("does my cousin zorblax play the tuba", "sure", timeout=20)
        await ann.say("/staff", "Type your message for our team")
        await ann.say("please ring me about the wisteria by the gate", "Sent ✅")
        await ann.say("/book", "Do you agree?")
        await ann.tap("✅ I agree", "Health check (1 of 4)")
        for step in ("2 of 4", "3 of 4", "4 of 4"):
            await ann.tap("None of these", f"Health check ({step})")
        await ann.tap("None of these", "What name")
        await ann.say("Quentin Blathersby", "best phone number")
        await ann.say("07700 900456", "Which session would you like?")
        await ann.tap("60-minute massage · £65", "When would suit you?")
        await ann.say("thursdays after the school run", "What would you like us to work on?")
        await ann.say("my left trapezius knot from rowing", "Here's your request")
        await ann.tap("✅ Send request", "is with our team")
        await Person(api, 43, "Bob").say(CHEST, "call 999 now")
        await api.wait_for_text(STAFF_CHAT, "URGENT alert")
        await at_rest(api, process.db)
    finally:
        code, log = await process.terminate()
    assert code == 0
    assert "event=handled" in log and "DEBUG" in log, "the run was logged, in detail"
    typed = ("zorblax", "tuba", "wisteria", "Quentin", "Blathersby", "qblathers", "900456",
             "07700", "school run", "trapezius", "rowing", "chest pain", "left arm",
             "crushing")  # fmt: skip
    assert [word for word in typed if word.lower() in log.lower()] == []


def _reminder_queued(db: Path) -> bool:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
    try:
        rows = con.execute("SELECT reminded_at IS NOT NULL FROM appointments").fetchall()
    except sqlite3.Error:
        return False
    finally:
        con.close()
    return rows == [(1,)]


@pytest.mark.slow(seconds=10)
async def test_a_reminder_is_sent_once_across_kill_9_and_restarts(
    api: FakeBotApi, process: BotProcess
) -> None:
    ann = Person(api, 42, "Ann")
    await process.start()
    await ann.say("/start", "Welcome", timeout=20)  # the process is up (it may load slowly)
    await book(ann)
    await api.wait_for_text(STAFF_CHAT, "Appointment request #1", timeout=20)
    await confirm(staff(api), 1)
    await at_rest(api, process.db)
    await process.kill()
    # The appointment is in 23 hours and its reminder not sent: due since an hour ago, as
    # if the bot had been down when it fell due.
    start = datetime.now(UTC) + timedelta(hours=23)
    con = sqlite3.connect(process.db)
    with con:
        con.execute(
            "UPDATE appointments SET starts_at = ?, ends_at = ?, reminded_at = NULL",
            (start.isoformat(), (start + timedelta(hours=1)).isoformat()),
        )
    con.close()
    # Telegram refuses messages when the restarted bot queues it; the bot is killed again.
    api.fail("sendMessage", times=10_000)
    await process.start()
    deadline = time.monotonic() + 20
    while not await asyncio.to_thread(_reminder_queued, process.db):
        assert time.monotonic() < deadline, "the reminder was never queued"
        await asyncio.sleep(0.1)
    await at_rest(api, process.db, sending=False)
    await process.kill()
    api.fail("sendMessage", times=0)
    assert not [m for m in api.messages(ann.chat) if m.text.startswith("⏰")], "not sent yet"
    await process.start()
    reminder = await api.wait_for_text(ann.chat, "⏰ A reminder", timeout=20)
    assert reminder.labels() == ["✅ I'll be there", "❌ Cancel", "🔁 Reschedule"]
    await at_rest(api, process.db)
    await process.kill()
    await process.start()
    await asyncio.sleep(2.5)  # the restarted bot looks for due reminders after 1 s
    await at_rest(api, process.db)
    reminders = [m for m in api.messages(ann.chat) if m.text.startswith("⏰")]
    assert len(reminders) == 1, "exactly once"
