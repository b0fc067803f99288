"""The saved copy of the loaded content: read back when it fits, loaded afresh when not."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config.clinic import DEFAULT_CLINIC_FILE
from bot.config.content import Content, load_content
from bot.config.model_cache import KEEP, cache_folder
from contentfile import ContentError
from faq.kb import DEFAULT_KB_FILE
from flows.events import Client, Text
from flows.state import Conversation

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
CRISIS = "everyone would be happier if I just vanished for good"
OLD_ANSWER = "A trigger point is a small, tight spot in a muscle"
NEW_ANSWER = "Trigger points are what we call knots in the muscle"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, content: Content) -> Path:
    """One cache folder for the module: the safety model is learned once, not per test.

    It starts with the safety models the session's content load left in the user's cache
    folder (none if that could not be written): the shipped files' model is not learned
    again here. The content copies, which these tests are about, start from none.
    """
    folder = tmp_path_factory.mktemp("cache")
    for model in cache_folder().glob("safety-model-*.pickle"):
        shutil.copy2(model, folder / model.name)
    return folder


@pytest.fixture
def cache(shared: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLINIC_CACHE", str(shared))
    return shared


def _copies(cache: Path) -> dict[Path, int]:
    # A copy saved again is a new file (written aside, then moved into place).
    return {p: p.stat().st_ino for p in cache.glob("content-*.pickle")}


def _reply(content: Content, text: str) -> str:
    step = content.desk.handle(Conversation(), Client(1, 1, "Ann"), Text(text), NOW)
    return "\n".join(r.text for r in step.replies)


def test_a_saved_copy_is_read_back_and_answers_the_same(cache: Path) -> None:
    first = load_content(DEFAULT_CLINIC_FILE)
    saved = _copies(cache)
    assert saved, "a copy was saved"
    assert all(p.stat().st_mode & 0o077 == 0 for p in saved), "private to the user"
    second = load_content(DEFAULT_CLINIC_FILE)
    assert second is not first and _copies(cache) == saved, "read back, not saved again"
    for text in ("how much for an hour", "wat is a triger point", CRISIS, "dying for a massage"):
        assert _reply(second, text) == _reply(first, text)
    model = second.safety.check.second
    assert model is not None and model.model.probabilities(CRISIS)["crisis"] > 0.5


def test_an_edited_file_is_loaded_afresh(cache: Path, tmp_path: Path) -> None:
    assert OLD_ANSWER in _reply(load_content(DEFAULT_CLINIC_FILE), "what is a trigger point")
    before = set(_copies(cache))
    kb = tmp_path / "kb.yaml"
    kb.write_text(DEFAULT_KB_FILE.read_text(encoding="utf-8").replace(OLD_ANSWER, NEW_ANSWER))
    edited = load_content(DEFAULT_CLINIC_FILE, kb)
    assert NEW_ANSWER in _reply(edited, "what is a trigger point")
    assert len(set(_copies(cache)) - before) == 1, "a new key, a new copy"


def test_a_broken_copy_is_ignored_and_a_broken_file_never_saved(
    cache: Path, tmp_path: Path
) -> None:
    load_content(DEFAULT_CLINIC_FILE)
    for copy in _copies(cache):
        copy.write_bytes(b"not a pickle")
    assert "£" in _reply(load_content(DEFAULT_CLINIC_FILE), "how much for an hour")
    before = _copies(cache)
    broken = tmp_path / "kb.yaml"
    broken.write_text("entries:\n  - id: prices\n    question: 12\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ContentError):
            load_content(DEFAULT_CLINIC_FILE, broken)
    assert _copies(cache) == before


def test_only_the_most_recently_used_copies_are_kept(cache: Path, tmp_path: Path) -> None:
    load_content(DEFAULT_CLINIC_FILE)
    some_copy = next(iter(_copies(cache)))
    # Copies older files left behind (keys no file has now): as many as are kept, each
    # used longer ago than anything loaded here.
    older = [cache / f"content-{n:032x}.pickle" for n in range(KEEP)]
    for n, old in enumerate(older):
        shutil.copy2(some_copy, old)
        os.utime(old, (1_000_000 + n, 1_000_000 + n))
    load_content(DEFAULT_CLINIC_FILE)  # in use all along: never the one removed
    kb_text = DEFAULT_KB_FILE.read_text(encoding="utf-8")
    for n in range(2):
        kb = tmp_path / f"kb-{n}.yaml"
        kb.write_text(kb_text.replace(OLD_ANSWER, f"{NEW_ANSWER} ({n})"), encoding="utf-8")
        load_content(DEFAULT_CLINIC_FILE, kb)
        load_content(DEFAULT_CLINIC_FILE)
    assert len(_copies(cache)) == KEEP, "older copies removed, not piling up"
    assert not any(p.exists() for p in older[:3]), "the least recently used went first"
    before = _copies(cache)
    load_content(DEFAULT_CLINIC_FILE)
    assert set(_copies(cache)) == set(before), "the shipped files' copy is still there"


def test_a_copy_of_the_same_file_under_another_name_names_that_file(
    cache: Path, tmp_path: Path
) -> None:
    text = DEFAULT_CLINIC_FILE.read_text(encoding="utf-8")
    block = "calendar:\n  url: https://dav.example.com/cal/\n  user: staff\n"
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "clinic.yaml").write_text(text + block, encoding="utf-8")
    load_content(tmp_path / "first" / "clinic.yaml")
    calendar = load_content(tmp_path / "second" / "clinic.yaml").clinic.calendar
    assert calendar is not None
    assert calendar.source == str(tmp_path / "second" / "clinic.yaml"), "read back, renamed"
