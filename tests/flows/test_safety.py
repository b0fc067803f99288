"""The safety check on its own: kinds, typos, slang, negation, idioms, languages, content errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.content import Content
from bot.config.model_cache import cached_learning
from contentfile import ContentError
from flows.safety import SafetyKind
from flows.safety_content import DEFAULT_EXAMPLES_FILE, DEFAULT_SAFETY_FILE, load_safety

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
        # Polish letters that keep no accent to drop ("ł") read like the phrase lists.
        ("połknęłam wszystkie tabletki", C),
        # "doesn't matter" is no negation of what follows, and a typed "kil" is "kill".
        ("Preferred time: doesnt matter ill probably be dead by then", C),
        ("wanna kil myself", C),
        ("if I'm not dead by Friday I'll come in", C),
        ("Tom. I think I'm having a heart attack lol not joking", E),
        ("you won't hear from me again, thanks for everything", C),
        ("im 32 wks and theres a lot of blood", E),
        ("headache came on instantly, it's unbearable", E),
        ("bad headache, neck rigid and burning up", E),
        ("my father keeps saying he wishes he were dead", C),
        # No fear of dying is a crisis sign: the "not" does not take "dying" away.
        ("honestly im not afraid to die anymore", C),
        ("alle wären ohne mich besser dran", C),
        # Everyday words for doctor matters, and ages written the way parents write them.
        ("my GP said no massage until my scan next week", D),
        ("I take a pill that thins my blood, is deep tissue ok", D),
        ("lost loads of weight without dieting, my jeans are all loose now", D),
        ("Sam, 14, can he come in for his sore back", K),
        ("shes still at school doing her GCSEs, can she book a sports massage", K),
        ("i wont be here much longer anyway so might as well get a massage", C),
        # Hopelessness beside a word of leaving; school grades as US parents write them.
        ("what is the point of a voucher, i will not be here for it", C),
        ("my 9th grader plays rugby, can he come in", K),
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
        "can you squeeze me in tomorrow afternoon?",
        "afternoon please, I get breathless from laughing at my own jokes",
        "doesn't matter which therapist, no chest pain or anything",
        "I won't be around on the 14th, can we do the 15th?",
        "I won't be here in January, I'm going travelling",
        "I've made my decision, deep tissue it is",
        "I'm checking out of the hotel at 11 so can we do 9",
        "the kids were screaming all day and my head hurts",
        # "isn't" after the body word negates it, not only the word after it.
        "my chest isn't tight at all, it's my upper back that's sore",
        # Short wishes about the clinic: the learned model took "I want to..." for a crisis.
        "I want to book",
        "want to book",
        "I want to make an appointment please",
        "I want to cancel",
        "I want to talk to a person",
        # "massage" is a word of the minors rule, not of an alarm: it does not make the
        # model's bar lower.
        "honestly best massage ever, thank you",
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


@pytest.mark.parametrize(
    "message",
    [
        "everyone would be happier if I just vanished for good",
        "I have stopped seeing any point in anything, I am so tired of being alive",
    ],
)
def test_the_learned_second_opinion_hears_a_crisis_the_phrase_lists_miss(
    content: Content, message: str
) -> None:
    check = content.safety.check
    second = check.second
    assert second is not None
    check.second = None
    try:
        alone = check.assess(message)
    finally:
        check.second = second
    assert not alone.alarm
    assert C in check.assess(message).kinds


@pytest.mark.parametrize(
    "message",
    [
        "the price of parking is killing me",
        "my neck is stiff from the pillow and my head aches a bit",
        "no chest pain or anything, just tight shoulders from my desk",
        "painful?",
        "I'm Halina Dąbrowska",
        "hi, this is Ngozi Eze",
        "my name is Tadhg O'Sullivan",
    ],
)
def test_the_second_opinion_leaves_everyday_aches_idioms_and_names_alone(
    content: Content, message: str
) -> None:
    assert not content.safety.check.assess(message).alarm


def _examples(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "examples.yaml"
    path.write_text(DEFAULT_EXAMPLES_FILE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


@pytest.mark.slow(seconds=4)
def test_examples_a_clinic_adds_are_learned(content: Content, tmp_path: Path) -> None:
    # "Grimbled" is the clinic's local word for stiff: unknown words make the model wary.
    values = content.clinic.placeholders()
    message = "my back is properly grimbled today"
    # The shipped examples' model is the same at every run: read back from the user's
    # cache folder once saved there. The clinic's examples below are learned afresh.
    plain = load_safety(
        DEFAULT_SAFETY_FILE, values, examples_file=DEFAULT_EXAMPLES_FILE,
        learn=cached_learning(DEFAULT_SAFETY_FILE),
    )  # fmt: skip
    assert plain.check.assess(message).alarm
    ours = "\n".join(
        f'  - {{q: "{q}", kind: none}}'
        for q in (
            "my neck is grimbled from the desk",
            "shoulders all grimbled after gardening",
            "grimbled lower back again, can I book",
            "my legs are grimbled after the run",
            "is deep tissue good for a grimbled back",
        )
    )
    taught = load_safety(
        DEFAULT_SAFETY_FILE, values, examples_file=_examples(tmp_path, f"  clinic:\n{ours}\n")
    )
    assert not taught.check.assess(message).alarm


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('  clinic:\n  - {q: "help", kind: urgent}\n', "entry 'clinic[0]': field 'kind'"),
        ('  clinic:\n  - {q: "help", kinds: crisis}\n', "field 'kinds': is not a known field"),
        ("  clinic: help\n", "field 'clinic': must be a list of examples"),
    ],
)
def test_a_broken_examples_file_names_file_entry_and_field(
    content: Content, tmp_path: Path, extra: str, expected: str
) -> None:
    with pytest.raises(ContentError) as error:
        load_safety(
            DEFAULT_SAFETY_FILE,
            content.clinic.placeholders(),
            examples_file=_examples(tmp_path, extra),
        )
    assert str(tmp_path / "examples.yaml") in str(error.value)
    assert expected in str(error.value)


def test_a_bad_model_threshold_names_the_field(content: Content, tmp_path: Path) -> None:
    with pytest.raises(ContentError) as error:
        load_safety(
            _broken(tmp_path, "alarm_at: 0.75", "alarm_at: 7.5"), content.clinic.placeholders()
        )
    assert "entry 'model': field 'alarm_at'" in str(error.value)
