"""The saved copy of the safety model: read back when it fits, learned afresh when not."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.clinic import DEFAULT_CLINIC_FILE, load_clinic
from bot.config.model_cache import cached_learning
from faq.kb import DEFAULT_KB_FILE, load_knowledge_base
from flows.safety_content import DEFAULT_EXAMPLES_FILE, DEFAULT_SAFETY_FILE, Safety, load_safety

MESSAGE = "everyone would be happier if I just vanished for good"


def _load(folder: Path, examples: Path = DEFAULT_EXAMPLES_FILE) -> Safety:
    values = load_clinic(DEFAULT_CLINIC_FILE).placeholders()
    kb = load_knowledge_base(DEFAULT_KB_FILE, values)
    ordinary = [p for e in kb.entries for p in (e.question, *e.alternates)]
    learn = cached_learning(DEFAULT_SAFETY_FILE, folder)
    return load_safety(
        DEFAULT_SAFETY_FILE, values, examples_file=examples, ordinary=ordinary, learn=learn
    )


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Safety]:
    """The shipped files' model learned into an empty folder."""
    folder = tmp_path_factory.mktemp("learned")
    return folder, _load(folder)


@pytest.mark.slow(seconds=4)
def test_a_saved_model_is_read_back_and_answers_the_same(learned: tuple[Path, Safety]) -> None:
    folder, first = learned  # learned in an empty folder
    saved = list(folder.glob("safety-model-*.pickle"))
    assert len(saved) == 1 and saved[0].stat().st_mode & 0o077 == 0, "one private copy"
    before = saved[0].stat().st_ino  # saved again would be a new file, moved into place
    second = _load(folder)
    assert saved[0].stat().st_ino == before, "read back, not learned again"
    a, b = first.check, second.check
    assert a.second is not None and b.second is not None
    assert a.second.model.probabilities(MESSAGE) == b.second.model.probabilities(MESSAGE)
    assert b.assess(MESSAGE).alarm, "the copy still uses the phrase lists' concepts"


def few_examples(folder: Path, extra: str = "") -> Path:
    """Write a short examples file (a model learned from it in a moment); return it.

    The saved copies are the same whatever the model learned from: the tests below, which
    are about when a copy is kept, read back or learned again, learn from this file.
    """
    path = folder / "examples.yaml"
    path.write_text(
        "groups:\n  few:\n"
        '  - {q: "crushing chest pain going into my left arm", kind: emergency}\n'
        '  - {q: "my calf is swollen hot and red", kind: limb}\n'
        '  - {q: "i cant go on anymore, i want it all to end", kind: crisis}\n'
        '  - {q: "my doctor told me to wait after the operation", kind: doctor}\n'
        '  - {q: "can i bring my 12 year old son", kind: child}\n'
        '  - {q: "do you take card payments", kind: none}\n' + extra,
        encoding="utf-8",
    )
    return path


def test_changed_examples_are_learned_afresh_and_a_broken_copy_is_ignored(
    tmp_path: Path,
) -> None:
    examples = few_examples(tmp_path)
    values = load_clinic(DEFAULT_CLINIC_FILE).placeholders()
    learn = cached_learning(DEFAULT_SAFETY_FILE, tmp_path)
    load_safety(DEFAULT_SAFETY_FILE, values, examples_file=examples, learn=learn)
    (copy,) = tmp_path.glob("safety-model-*.pickle")
    copy.write_bytes(b"not a pickle")
    again = load_safety(DEFAULT_SAFETY_FILE, values, examples_file=examples, learn=learn)
    assert again.check.assess("crushing chest pain going into my left arm").alarm
    assert copy.read_bytes() != b"not a pickle", "learned again and saved in its place"
    few_examples(tmp_path, '  - {q: "my back is grimbled again", kind: none}\n')
    load_safety(DEFAULT_SAFETY_FILE, values, examples_file=examples, learn=learn)
    assert len(list(tmp_path.glob("safety-model-*.pickle"))) == 2, "a new key, a new copy"


def test_a_clinics_own_safety_file_gets_its_own_copy_an_unchanged_one_shares(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    values = load_clinic(DEFAULT_CLINIC_FILE).placeholders()
    examples = few_examples(tmp_path)

    def load(safety: Path) -> None:
        load_safety(safety, values, examples_file=examples, learn=cached_learning(safety, cache))

    load(DEFAULT_SAFETY_FILE)
    unchanged = tmp_path / "unchanged" / "safety.yaml"
    unchanged.parent.mkdir()
    unchanged.write_bytes(DEFAULT_SAFETY_FILE.read_bytes())
    load(unchanged)
    assert len(list(cache.glob("safety-model-*.pickle"))) == 1, "same phrases, same model"
    own = tmp_path / "safety.yaml"
    text = DEFAULT_SAFETY_FILE.read_text(encoding="utf-8")
    own.write_text(text.replace("\nmodel:", "\n# the clinic's own copy\nmodel:", 1))
    assert own.read_text(encoding="utf-8") != text
    load(own)
    assert len(list(cache.glob("safety-model-*.pickle"))) == 2, "the clinic's file, its own copy"
