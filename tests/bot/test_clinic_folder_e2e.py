"""A clinic makes the bot its own: `clinic-bot init`, edits in the folder, CLINIC_DIR, Telegram.

The folder is written by the real command, the settings read from the environment as the
bot reads them, and the client talks to the real Application over HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config.clinic_folder import content_files
from bot.config.content import load_content_files
from bot.config.settings import load_settings
from bot.store.database import Storage
from tests.bot.command_line import cli
from tests.bot.conftest import STAFF_CHAT, TOKEN, Running
from tests.bot.driver import Person
from tests.bot.fake_bot_api import FakeBotApi

WEAR = "Wear something comfortable."
OUR_WEAR = "Bring your own robe: we keep the studio warm."
LABEL = "Chest pain or sudden breathlessness"
OUR_LABEL = "Chest pain, or out of breath all of a sudden"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
async def ours(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Running]:
    folder = tmp_path / "our-clinic"
    made = cli("init", str(folder))
    assert made.returncode == 0, made.stderr
    edit(folder / "knowledge_base.yaml", WEAR, OUR_WEAR)
    edit(folder / "clinic.yaml", 'price: "£65"', 'price: "£72"')
    edit(folder / "screening.yaml", f"label: {LABEL}", f"label: {OUR_LABEL}")
    (folder / "messages.yaml").unlink()  # not changed: the shipped one is used
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "STAFF_CHAT_ID": str(STAFF_CHAT),
        "TELEGRAM_API_URL": api.root_url,
        "CLINIC_DB": str(tmp_path / "bot.sqlite3"),
        "CLINIC_DIR": str(folder),
    }
    settings = load_settings(env)
    content = load_content_files(content_files(settings.clinic_config, settings.clinic_dir))
    storage = await Storage.open(settings.db_path)
    bot = Running(api, settings, content, storage)
    try:
        await bot.start()
        yield bot
    finally:
        await bot.stop()
        await storage.close()


async def test_the_running_bot_answers_with_the_clinics_own_faq_prices_and_health_check(
    ours: Running,
) -> None:
    ann = Person(ours.api, 42, "Ann")
    greeting = await ann.say("/start", "Hi Ann")
    assert "📅 Book an appointment" in greeting.labels(), "messages.yaml: the shipped one"
    wear = await ann.say("what should i wear?", OUR_WEAR)
    assert WEAR not in wear.text
    prices = await ann.say("how much is a massage?", "£72")
    assert "£65" not in prices.text and "£90" in prices.text
    await ann.say("/book", "Do you agree?")
    check = await ann.tap("✅ I agree", "Health check (1 of 4)")
    assert OUR_LABEL in check.labels() and LABEL not in check.labels()
    await ann.tap(OUR_LABEL, "call 999 now")
    alert = await ours.api.wait_for_text(STAFF_CHAT, "URGENT alert")
    assert OUR_LABEL in alert.text, "staff see the clinic's own label"
