"""Operations: webhook mode with its secret, STAFF_USER_IDS, and the CSV export."""

from __future__ import annotations

import csv
import socket
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest

from bot.config.content import Content
from bot.services.export import export_requests
from bot.store.database import Storage
from bot.telegram.app import build_application, start_application, stop_application
from tests.bot.conftest import STAFF_CHAT, STAFF_USER, Running, make_settings
from tests.bot.driver import Person, book, confirm, staff
from tests.bot.fake_bot_api import FakeBotApi

SECRET = "s3cret-Token_for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook_bot(
    api: FakeBotApi, content: Content, tmp_path: Path
) -> AsyncIterator[tuple[Storage, str]]:
    port = free_port()
    settings = make_settings(
        api, tmp_path / "bot.sqlite3", webhook_secret=SECRET, webhook_port=port
    )
    storage = await Storage.open(settings.db_path)
    errors: list[BaseException] = []

    async def collect(update: object, context: object) -> None:
        errors.append(getattr(context, "error", None) or RuntimeError("unknown"))

    app = build_application(settings, content, storage, error_handler=collect)
    public = "https://clinic.example/tg/hook"
    await start_application(app, webhook_url=public, settings=settings)
    try:
        yield storage, f"http://127.0.0.1:{port}/tg/hook"
    finally:
        await stop_application(app)
        await storage.close()
    assert errors == []


async def test_webhook_mode_registers_the_url_and_answers_posted_updates(
    api: FakeBotApi, webhook_bot: tuple[Storage, str]
) -> None:
    _, local = webhook_bot
    registered = api.calls_of("setWebhook")
    assert registered and registered[-1].params["url"] == "https://clinic.example/tg/hook"
    assert registered[-1].params["secret_token"] == SECRET
    update = api.send_text(42, "where can I park")
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            local, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert response.status == 200
    reply = await api.wait_for_text(42, "Market Street")
    assert reply.chat_id == 42


async def test_webhook_refuses_posts_without_the_secret(
    api: FakeBotApi, webhook_bot: tuple[Storage, str]
) -> None:
    storage, local = webhook_bot
    forged = api.send_text(42, "/book")
    async with aiohttp.ClientSession() as http:
        wrong = await http.post(
            local, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
        )
        missing = await http.post(local, json=forged)
        assert wrong.status == 403 and missing.status == 403
        # A genuine update posted afterwards is answered; the forged one never was.
        genuine = api.send_text(43, "parking?")
        await http.post(local, json=genuine, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    await api.wait_for_text(43, "Market Street")
    assert api.messages(42) == []
    rows = await storage.fetch_all("SELECT update_id FROM processed_updates")
    assert [r[0] for r in rows] == [genuine["update_id"]], "the forged update was never handled"


async def test_staff_user_ids_limits_who_in_the_staff_chat_can_act(
    api: FakeBotApi, content: Content, tmp_path: Path
) -> None:
    settings = make_settings(api, tmp_path / "bot.sqlite3", staff_user_ids=frozenset({STAFF_USER}))
    storage = await Storage.open(settings.db_path)
    bot = Running(api, settings, content, storage)
    await bot.start()
    try:
        ann = Person(api, 42, "Ann")
        await book(ann)
        note = await api.wait_for_text(STAFF_CHAT, "Appointment request #1")
        # Someone else in the staff group (a trainee, a guest) is not on the list.
        api.press(555, note.data_of("✅ Confirm"), note, first_name="Guest")
        await bot.settle()
        assert "Only clinic staff" in str(api.calls_of("answerCallbackQuery")[-1].params["text"])
        api.send_text(555, "/requests", chat_id=STAFF_CHAT)
        await bot.settle()
        assert not any("#1" in m.text for m in api.messages(STAFF_CHAT)[1:])
        assert (await storage.fetch_all("SELECT status FROM requests"))[0][0] == "open"
        # The listed staff member can.
        await confirm(staff(api), 1)
        await api.wait_for_text(42, "confirmed")
    finally:
        await bot.stop()
        await storage.close()
    assert bot.errors == []


async def test_export_writes_every_request_with_level_labels_and_actions(
    running: Running, tmp_path: Path
) -> None:
    ann = Person(running.api, 42, "Ann")
    await book(ann, {1: ["Blood thinners"]})
    bob = Person(running.api, 43, "Zoë O'Brien")
    await book(bob)
    await running.api.wait_for_text(STAFF_CHAT, "Appointment request #2")
    card = await confirm(staff(running.api), 2)
    out = tmp_path / "requests.csv"
    count = await export_requests(running.settings.db_path, out, running.content.questionnaire)
    assert count == 2
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_name = {r["name"]: r for r in rows}
    assert by_name["Ann"]["level"] == "CLEARANCE"
    assert by_name["Ann"]["flagged"] == "Blood thinners"
    assert by_name["Ann"]["consent_utc"] >= by_name["Ann"]["received_utc"][:10]
    assert by_name["Zoë O'Brien"]["level"] == "CLEAR"
    assert "confirm by Sam" in by_name["Zoë O'Brien"]["staff_actions"]
    assert by_name["Ann"]["staff_actions"] == ""
    # The confirmed time, as on the card (there in the clinic's time zone).
    start = datetime.fromisoformat(by_name["Zoë O'Brien"]["appointment_utc"])
    local = start.astimezone(running.content.clinic.time_zone)
    assert f"{local:%A} {local.day} {local:%B}, {local:%H:%M}–" in card.text
    assert by_name["Zoë O'Brien"]["appointment_minutes"] == "60"
    assert by_name["Ann"]["appointment_utc"] == "" and by_name["Ann"]["appointment_minutes"] == ""
