"""`clinic-bot faq learned`: what staff taught, printed as YAML or merged into the clinic's file."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.store.database import Storage
from tests.bot.command_line import assert_one_line_error, cli

LIFT = "do you have a lift for wheelchair users"
DOG = "can my dog come in with me"


async def taught(db: Path, *pairs: tuple[str, str]) -> None:
    """Store phrasings the way the staff chat's Add to button does."""
    storage = await Storage.open(db)
    try:
        async with storage.transaction() as tx:
            for entry, text in pairs:
                await tx.learned.add(entry, text)
    finally:
        await storage.close()


async def test_learned_prints_yaml_then_merge_writes_the_clinics_file(tmp_path: Path) -> None:
    db, folder = tmp_path / "bot.sqlite3", tmp_path / "clinic"
    assert cli("init", str(folder)).returncode == 0
    await taught(db, ("location", LIFT), ("booking", DOG), ("gone-entry", "hello"))
    env = {"CLINIC_DB": str(db), "CLINIC_DIR": str(folder)}
    shown = cli("faq", "learned", env=env)
    assert shown.returncode == 0, shown.stderr
    assert yaml.safe_load(shown.stdout) == {
        "entries": [
            {"id": "location", "alternates": [LIFT]},
            {"id": "booking", "alternates": [DOG]},
        ]
    }
    assert "gone-entry" in shown.stderr  # left out, and said so
    before = (folder / "knowledge_base.yaml").read_text(encoding="utf-8")
    merged = cli("faq", "learned", "--merge", env=env)
    assert merged.returncode == 0, merged.stderr
    assert "Merged 2 learned phrasings" in merged.stdout
    after = (folder / "knowledge_base.yaml").read_text(encoding="utf-8")
    assert after.startswith(before.splitlines()[0])  # the header comment is kept
    entries = {e["id"]: e for e in yaml.safe_load(after)["entries"]}
    assert entries["location"]["alternates"][-1] == LIFT
    assert entries["booking"]["alternates"][-1] == DOG
    # The file alone now answers it (a bot started without the database would too).
    asked = cli("faq", "ask", LIFT, env={"CLINIC_DIR": str(folder)})
    assert "decision: answer location" in asked.stdout
    again = cli("faq", "learned", env=env)
    assert "No learned phrasings waiting (2 merged" in again.stdout


async def test_merge_without_the_clinics_own_folder_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    await taught(db, ("location", LIFT))
    result = cli("faq", "learned", "--merge", env={"CLINIC_DB": str(db)})
    assert_one_line_error(result, "clinic-bot init DIR", "CLINIC_DIR")


def test_learned_without_a_database_names_the_setting(tmp_path: Path) -> None:
    result = cli("faq", "learned", env={"CLINIC_DB": str(tmp_path / "none.sqlite3")})
    assert_one_line_error(result, "CLINIC_DB", "no database")
