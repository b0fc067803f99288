"""A copy of the shipped clinic settings file with one line changed, for settings tests."""

from __future__ import annotations

from pathlib import Path

from bot.config.clinic import DEFAULT_CLINIC_FILE


def edited_clinic(tmp_path: Path, shipped: str, new: str) -> Path:
    """Write the shipped clinic file with the line `shipped` replaced by `new`."""
    text = DEFAULT_CLINIC_FILE.read_text(encoding="utf-8")
    assert shipped in text, f"the shipped file no longer has {shipped!r}"
    path = tmp_path / "clinic.yaml"
    path.write_text(text.replace(shipped, new), encoding="utf-8")
    return path
