"""Telegram's command menu: clients and staff each see their own commands, described."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config.content import Content
from bot.store.database import Storage
from tests.bot.conftest import STAFF_CHAT, Running, make_settings
from tests.bot.driver import Person
from tests.bot.fake_bot_api import FakeBotApi


async def test_clients_and_staff_each_get_their_commands_in_telegrams_menu(
    running: Running,
) -> None:
    menus = running.api.command_menus
    client = dict(menus["all_private_chats"])
    staff = dict(menus[f"chat:{STAFF_CHAT}"])
    assert {"book", "status", "staff", "privacy", "forget"} <= set(client)
    assert "unanswered" not in client and "requests" not in client
    assert {"requests", "request", "today", "week", "unanswered"} == set(staff)
    assert "withdraw" in client["status"]


async def test_a_refused_menu_does_not_stop_the_bot(
    api: FakeBotApi, content: Content, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail("setMyCommands", status=400, times=2)
    settings = make_settings(api, tmp_path / "bot.sqlite3")
    storage = await Storage.open(settings.db_path)
    bot = Running(api, settings, content, storage, options={})
    with caplog.at_level(logging.WARNING):
        await bot.start()
    try:
        await Person(api, 42).say("parking?", "Market Street car park")
        assert "event=commands_not_registered" in caplog.text
        assert api.command_menus == {}
    finally:
        await bot.stop()
        await storage.close()
