"""A clinic's messages file from an older version loads: new texts come from the shipped one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config.clinic import load_clinic
from contentfile import ContentError
from flows.messages import DEFAULT_MESSAGES_FILE, load_messages


def older_copy(tmp_path: Path, edit: dict[str, str] | None = None) -> Path:
    """The shipped file without the texts and commands a later version added."""
    data = yaml.safe_load(DEFAULT_MESSAGES_FILE.read_text(encoding="utf-8"))
    for key in ("staff_confirmed_at", "times_closed_day", "times_outside_hours"):
        del data["texts"][key]
    del data["commands"]["staff"]["today"]
    data["texts"].update(edit or {})
    path = tmp_path / "messages.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_an_older_clinic_file_loads_with_the_new_texts_from_the_shipped_one(
    tmp_path: Path,
) -> None:
    values = load_clinic().placeholders()
    shipped = load_messages(DEFAULT_MESSAGES_FILE, values)
    own = load_messages(older_copy(tmp_path, {"staff_declined": "Sorry, no."}), values)
    filled = {"request_no": "3", "when": "Tuesday", "minutes": "60", "service": "a massage"}
    assert own.text("staff_confirmed_at", **filled) == shipped.text("staff_confirmed_at", **filled)
    assert own.text("staff_declined", request_no="3") == "Sorry, no."  # the clinic's own kept
    assert dict(own.staff_commands)["today"] == dict(shipped.staff_commands)["today"]


def test_a_misspelt_key_is_still_refused(tmp_path: Path) -> None:
    path = older_copy(tmp_path, {"staff_declinde": "typo"})
    with pytest.raises(ContentError, match="staff_declinde"):
        load_messages(path, load_clinic().placeholders())
