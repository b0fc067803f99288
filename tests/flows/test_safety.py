"""The safety check on its own: kinds, typos, slang, negation, idioms, languages, content errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import Content
from faq.content import ContentError
from flows.safety import SafetyKind
from flows.safety_content import DEFAULT_SAFETY_FILE, load_safety

E, L, C, D, K = (
    SafetyKind.EMERGENCY,
    SafetyKind.LIMB,
    SafetyKind.CRISIS,
    SafetyKind.DOCTOR,
    SafetyKind.CHILD,
)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("chst pain and i cant breath", E),
        ("my face is drooping on one side and my words are slurred", E),
        ("worst headache of my life, came on suddenly", E),
        ("back pain and now i cant feel between my legs", E),
        ("one calf is red, hot and swollen since my flight", L),
        ("i feel sucidal", C),
        ("kms", C),
        ("my husband says he wants to kill himself", C),
        ("took a whole packet of paracetamol an hour ago", C),
        ("should i be worried about a hard lump in my neck", D),
        ("i have shingles, can i still come", D),
        ("had a heart attack two years ago, is massage ok", D),
        ("can my 15 year old daughter book in", K),
        ("me duele el pecho y no puedo respirar", E),
        ("ich will nicht mehr leben", C),
        ("je n'arrive pas à respirer", E),
        ("voglio morire", C),
        ("não consigo respirar", E),
        ("chcę umrzeć", C),
    ],
)
def test_each_kind_is_found_the_way_people_type_it(
    content: Content, message: str, kind: SafetyKind
) -> None:
    assert content.safety.check.assess(message).worst is kind


@pytest.mark.parametrize(
    "message",
    [
        "I'm dying for a massage",
        "my shoulders are killing me",
        "I could murder a coffee",
        "no chest pain, just a stiff neck",
        "I've never had a blood clot or any surgery",
        "I can't go on Tuesday, can we do Wednesday?",
        "I hurt myself at the gym, can you help my back?",
        "that price nearly gave me a heart attack lol",
        "can I book an emergency appointment, my back is in bits",
        "does it hurt alot",
        "how much is an hour?",
        "my name is Tina",
    ],
)
def test_idiom_negation_and_ordinary_words_are_not_alarms(content: Content, message: str) -> None:
    assert not content.safety.check.assess(message).alarm


def test_past_events_are_for_a_doctor_present_ones_are_urgent(content: Content) -> None:
    check = content.safety.check
    assert check.assess("I had a blood clot in my leg last year").worst is D
    assert check.assess("I think I have a blood clot in my leg").worst is L


def test_health_words_are_told_apart_from_other_questions(content: Content) -> None:
    assert content.safety.check.about_health("my knee aches when I climb stairs")
    assert not content.safety.check.about_health("do you take card")


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_SAFETY_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "safety.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    - chest + chest_hurt\n", "    - chest + chest_ache\n", "names no concept"),
        ("    - chest + chest_hurt\n", "    - chest + > chest_hurt\n", "joined by"),
        ("  crisis: |", "  krisis: |", "field 'krisis': is not a known field"),
        ("call {emergency} now.", "call {ambulance} now.", "unknown placeholder {ambulance}"),
        ("  chest: [chest,", "  chest: [the,", "is only filler words"),
    ],
)
def test_a_broken_safety_file_names_file_entry_and_field(
    content: Content, tmp_path: Path, old: str, new: str, expected: str
) -> None:
    values = content.clinic.placeholders()
    with pytest.raises(ContentError) as error:
        load_safety(_broken(tmp_path, old, new), values)
    assert str(tmp_path / "safety.yaml") in str(error.value)
    assert expected in str(error.value)
