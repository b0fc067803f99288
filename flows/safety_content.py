"""Load the free-text safety phrases (flows/safety.yaml) and the replies they lead to."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from contentfile import ContentError, Fields, check_template, fill, read_yaml
from faq.text import english_words
from flows.safety import (
    YOUNG,
    YOUNG_ALONE,
    Negation,
    Reader,
    Rule,
    SafetyCheck,
    SafetyKind,
    SecondOpinion,
)
from flows.safety_model import NONE, Describe, KindModel

DEFAULT_SAFETY_FILE = Path(__file__).with_name("safety.yaml")
DEFAULT_EXAMPLES_FILE = Path(__file__).with_name("safety_examples.yaml")
# How the second opinion is made from its examples (the bot may keep a saved copy).
Learn = Callable[[list[tuple[str, str]], Describe], KindModel]
MESSAGES = ("crisis", "doctor", "child", "health_no_match", "handoff_withheld", "resume")
ALERT_KINDS = (SafetyKind.EMERGENCY, SafetyKind.LIMB, SafetyKind.CRISIS)
_NEUTRAL = "_not_negating"
_RULE = re.compile(r"^\s*#?[a-z_][a-z0-9_]*(\s*[+>]\s*#?[a-z_][a-z0-9_]*)*\s*$")
# A word must be this common in English to be left as it is by the typo fixer.
_KNOWN_COUNT = 50


@dataclass(frozen=True)
class Safety:
    """The safety check with its replies and the labels staff see on alerts."""

    check: SafetyCheck
    messages: Mapping[str, str]
    staff_labels: Mapping[SafetyKind, str]


@dataclass(frozen=True)
class Example:
    """One labelled message the learned second opinion learns from."""

    group: str
    text: str
    kind: str


def load_safety(
    path: Path | str = DEFAULT_SAFETY_FILE,
    values: Mapping[str, str] | None = None,
    known_words: Iterable[str] = (),
    examples_file: Path | str | None = DEFAULT_EXAMPLES_FILE,
    ordinary: Iterable[str] = (),
    learn: Learn = KindModel,
) -> Safety:
    """Read and validate the safety file; raise ContentError naming file, entry and field.

    `known_words` (the knowledge base's own words) are never taken for typos. The learned
    second opinion (the file's `model` section) learns from `examples_file` and from
    `ordinary` messages (the knowledge base's phrasings), taken as no safety kind.
    """
    values = values or {}
    top = Fields(path, "file", read_yaml(path))
    top.unknown(
        {"aliases", "fillers", "negation", "tense", "idioms", "concepts", "ages", "kinds"}
        | {"staff_labels", "messages", "model"}
    )
    aliases = _strings(Fields(path, "aliases", top.mapping("aliases", required=False)))
    idioms = _strings(Fields(path, "idioms", top.mapping("idioms", required=False)))
    negation = Fields(path, "negation", top.mapping("negation"))
    negation.unknown({"cues", "breaks", "skipped", "not_negating"})
    tense = Fields(path, "tense", top.mapping("tense"))
    tense.unknown({"past", "present"})
    concepts_in = Fields(path, "concepts", top.mapping("concepts"))
    concepts = {str(k): concepts_in.texts(str(k), required=True) for k in concepts_in.data}
    concepts[_NEUTRAL] = negation.texts("not_negating")
    vocabulary = [p for phrases in concepts.values() for p in phrases]
    reader = Reader(
        aliases,
        top.texts("fillers"),
        vocabulary,
        english_words(_KNOWN_COUNT).plus(known_words),
        idioms,
    )
    for name, phrases in concepts.items():
        for phrase in phrases:
            if not reader.stems(phrase, idioms=False, correct=False):
                raise concepts_in.error(name, f"'{phrase}' is only filler words")
    ages = Fields(path, "ages", top.mapping("ages"))
    ages.unknown({"young_below", "not_followed_by"})
    rules = _rules(Fields(path, "kinds", top.mapping("kinds")), set(concepts))
    check = SafetyCheck(
        reader,
        concepts,
        rules,
        Negation(*(_stems(reader, negation.texts(k)) for k in ("cues", "breaks", "skipped"))),
        (tense.texts("past"), tense.texts("present")),
        (int(ages.number("young_below", 18)), ages.texts("not_followed_by")),
    )
    if "health" not in concepts:
        raise concepts_in.error("health", "is missing (the words of a message about health)")
    messages, labels = _messages(path, top, values), _labels(path, top)
    # Learning takes seconds: only once everything else in the file is known to be right.
    check.second = _second(path, top, examples_file, ordinary, check.describe, learn)
    return Safety(check, messages, labels)


def load_examples(path: Path | str = DEFAULT_EXAMPLES_FILE) -> tuple[Example, ...]:
    """Read the labelled example messages, group by group."""
    top = Fields(path, "file", read_yaml(path))
    top.unknown({"groups"})
    groups = Fields(path, "groups", top.mapping("groups"))
    kinds = {k.name.lower() for k in SafetyKind} | {NONE}
    out = []
    for name, items in groups.data.items():
        if not isinstance(items, list):
            raise groups.error(str(name), "must be a list of examples")
        for i, item in enumerate(items):
            entry = Fields(path, f"{name}[{i}]", item)
            entry.unknown({"q", "kind"})
            kind = entry.text("kind")
            if kind not in kinds:
                raise entry.error("kind", f"must be one of: {', '.join(sorted(kinds))}")
            out.append(Example(str(name), entry.text("q"), kind))
    return tuple(out)


def _second(
    path: Path | str,
    top: Fields,
    examples_file: Path | str | None,
    ordinary: Iterable[str],
    describe: Describe,
    learn: Learn,
) -> SecondOpinion | None:
    section = top.mapping("model", required=False)
    if not section or examples_file is None:
        return None
    fields = Fields(path, "model", section)
    fields.unknown({"alarm_at", "also_at", "unheard_at"})
    levels = {}
    for name in ("alarm_at", "also_at", "unheard_at"):
        level = fields.number(name)
        if not 0 < level <= 1:
            raise fields.error(name, "must be a probability above 0 and at most 1")
        levels[name] = level
    examples = [(e.text, e.kind) for e in load_examples(examples_file)]
    if not any(kind != NONE for _, kind in examples):
        raise ContentError(examples_file, "has no example of any safety kind")
    model = learn([*examples, *((text, NONE) for text in ordinary)], describe)
    return SecondOpinion(
        model, levels["alarm_at"], levels["also_at"], levels["unheard_at"], len(examples)
    )


def _strings(fields: Fields) -> dict[str, str]:
    return {str(key): fields.text(str(key)) for key in fields.data}


def _stems(reader: Reader, words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(s for w in words for s in reader.stems(w, idioms=False, correct=False))


def _rules(kinds: Fields, concepts: set[str]) -> list[Rule]:
    kinds.unknown({k.name.lower() for k in SafetyKind})
    rules = []
    for kind in sorted(SafetyKind, reverse=True):
        raw = kinds.data.get(kind.name.lower()) or []
        if not isinstance(raw, list):
            raise kinds.error(kind.name.lower(), "must be a list of rules")
        for i, item in enumerate(raw):
            rules.append(_rule(kinds, kind, i, item, concepts))
    return rules


def _rule(kinds: Fields, kind: SafetyKind, i: int, raw: object, concepts: set[str]) -> Rule:
    field = f"{kind.name.lower()}[{i}]"
    entry = Fields(kinds.path, f"kinds {field}", raw if isinstance(raw, Mapping) else {"rule": raw})
    entry.unknown({"rule", "past", "alone"})
    text = entry.text("rule")
    if not _RULE.match(text) or ("+" in text and ">" in text):
        raise entry.error("rule", "must be concept names joined by ' + ' or by ' > '")
    names = tuple(n.strip() for n in re.split(r"[+>]", text))
    for name in names:
        if name not in concepts and name not in (YOUNG, YOUNG_ALONE):
            raise entry.error("rule", f"names no concept in 'concepts': {name}")
    return Rule(names, ">" in text, kind, _softer(entry, "past"), _softer(entry, "alone"))


def _softer(entry: Fields, field: str) -> SafetyKind | None:
    value = entry.text(field, "")
    if not value:
        return None
    try:
        return SafetyKind[value.upper()]
    except KeyError:
        raise entry.error(field, "must be a kind: doctor or child") from None


def _messages(path: Path | str, top: Fields, values: Mapping[str, str]) -> dict[str, str]:
    fields = Fields(path, "messages", top.mapping("messages"))
    fields.unknown(set(MESSAGES))
    out = {}
    for name in MESSAGES:
        template = fields.text(name)
        check_template(fields, name, template, values)
        out[name] = fill(template, values).strip()
    return out


def _labels(path: Path | str, top: Fields) -> dict[SafetyKind, str]:
    fields = Fields(path, "staff_labels", top.mapping("staff_labels"))
    fields.unknown({k.name.lower() for k in ALERT_KINDS})
    return {k: fields.text(k.name.lower()) for k in ALERT_KINDS}
