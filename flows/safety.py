"""Read a typed message for emergencies, crises and health worries, before anything else.

Pure: the phrases come from `flows/safety.yaml` (see `flows/safety_content.py`); this
module only reads a message and says which kinds it speaks of.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from faq.english import WordSet
from faq.text import fold
from flows.safety_model import KindModel

# How far apart the parts of a "+" rule may be (words, within one sentence), and how
# many words may stand between the parts of a ">" rule.
WINDOW = 18
GAP = 2
# A negation reaches over at most one other word ("not having chest pain"); words of
# other findings and list words do not count ("no clots or DVT").
NEGATION_REACH = 2
YOUNG = "#young"
# A young age standing alone between commas ("Mia, 15, can I book?").
YOUNG_ALONE = "#young_alone"
# The learned second opinion is not asked about messages shorter than this ("is it
# painful?", "Tom Smith here"):
# too few words to learn from, and the rules read those well.
MODEL_WORDS = 4
_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)?|[.!?;\n]+|[,:()\-–—/]+")
_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
# Letters that keep no accent to drop (NFKD leaves them whole): "połknęłam" reads as the
# phrase list's "polknelam".
_PLAIN_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss"})
_SENTENCE_END = "."
_CLAUSE_END = ","


class SafetyKind(IntEnum):
    """What a message speaks of; a higher value is more serious."""

    CHILD = 1
    DOCTOR = 2
    CRISIS = 3
    LIMB = 4
    EMERGENCY = 5

    @property
    def alarm(self) -> bool:
        """Say whether this kind alerts staff and stops any booking."""
        return self >= SafetyKind.CRISIS


@dataclass(frozen=True)
class Rule:
    """Concepts that together make a kind; `past`/`alone` soften it (see safety.yaml)."""

    concepts: tuple[str, ...]
    ordered: bool
    kind: SafetyKind
    past: SafetyKind | None = None
    alone: SafetyKind | None = None


@dataclass(frozen=True)
class Assessment:
    """The kinds a message speaks of (empty when none)."""

    kinds: frozenset[SafetyKind]

    @property
    def worst(self) -> SafetyKind | None:
        """Return the most serious kind, if any."""
        return max(self.kinds, default=None)

    @property
    def alarm(self) -> bool:
        """Say whether the message is an emergency, a limb warning sign or a crisis."""
        return any(k.alarm for k in self.kinds)


@dataclass(frozen=True)
class _Hit:
    concept: str
    start: int
    end: int


class Reader:
    """Turn text into stems: fold, chat forms, typo correction, idioms, fillers."""

    def __init__(
        self,
        aliases: Mapping[str, str],
        fillers: Iterable[str],
        vocabulary: Iterable[str],
        known_words: WordSet,
        idioms: Mapping[str, str],
    ) -> None:
        self._stemmer = snowballstemmer.stemmer("english")
        self._stem: Callable[[str], str] = lru_cache(maxsize=16384)(self._stemmer.stemWord)
        self._aliases = {fold(k): tuple(_words(fold(v))) for k, v in aliases.items()}
        self._fillers = frozenset(self._stem(w) for w in fillers)
        words = {w for phrase in vocabulary for w in _words(fold(phrase))}
        self.vocabulary = frozenset(words)
        self._known = known_words.plus(words | set(self._aliases))
        targets = sorted({self._stem(w) for w in words if len(w) >= 4 and w.isalpha()})
        self._target_set = frozenset(targets)
        # A typo keeps its first letter ("chst", "pian"); "alot" is not "clot".
        self._targets: dict[str, list[str]] = {}
        for target in targets:
            self._targets.setdefault(target[0], []).append(target)
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)
        self._idioms: dict[tuple[str, ...], tuple[str, ...]] = {}
        for phrase, meaning in idioms.items():
            key = tuple(self._plain(phrase))
            if key:
                self._idioms[key] = tuple(self._plain(meaning))
        self._idiom_len = max((len(k) for k in self._idioms), default=0)

    def __getstate__(self) -> dict[str, object]:
        """What a saved copy keeps: not the caches of recent words, nor the stemmer.

        The stemmer is made again when read back (PyStemmer's cannot be saved).
        """
        skipped = ("_correct", "_stem", "_stemmer")
        return {k: v for k, v in self.__dict__.items() if k not in skipped}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._stemmer = snowballstemmer.stemmer("english")
        self._stem = lru_cache(maxsize=16384)(self._stemmer.stemWord)
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)

    def stems(self, text: str, *, idioms: bool = True, correct: bool = True) -> list[str]:
        """Return the text's stems, with "." ending sentences and "," ending clauses."""
        words = self._plain(text)
        if idioms:
            words = self._replace_idioms(words)
        stem = self._correct if correct else self._stem
        return [w if not w[0].isalnum() else stem(w) for w in words]

    def _plain(self, text: str) -> list[str]:
        # Idioms are read on whole words: "dying to" is an idiom, "die to" is not.
        out: list[str] = []
        for token in _TOKEN.findall(_HYPHEN.sub(" ", fold(text).translate(_PLAIN_LETTERS))):
            if not token[0].isalnum():
                out.append(_SENTENCE_END if token[0] in ".!?;\n" else _CLAUSE_END)
                continue
            for word in self._aliases.get(token) or self._split(token):
                if self._stem(word) not in self._fillers:
                    out.append(word)
        return out

    def _split(self, token: str) -> tuple[str, ...]:
        """Split two words typed without a space ("legswollen"), when one is ours."""
        if len(token) < 7 or token in self._known or not token.isalpha():
            return (token,)
        for i in range(3, len(token) - 2):
            head, tail = token[:i], token[i:]
            if head in self._known and tail in self._known and {head, tail} & self.vocabulary:
                return head, tail
        return (token,)

    def _replace_idioms(self, words: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(words):
            for size in range(min(self._idiom_len, len(words) - i), 0, -1):
                meaning = self._idioms.get(tuple(words[i : i + size]))
                if meaning is not None:
                    out.extend(meaning)
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def _correct_uncached(self, word: str) -> str:
        stem = self._stem(word)
        if word in self._known or len(stem) < 4 or not word.isalpha() or stem in self._target_set:
            return stem
        if word.endswith("in") and word + "g" in self._known:
            return self._stem(word + "g")  # "killin", "breathin"
        limit = 1 if len(stem) < 7 else 2
        targets = self._targets.get(stem[0], [])
        found = process.extract(stem, targets, scorer=OSA.distance, score_cutoff=limit, limit=5)
        if not found:
            return stem
        # On a tie the longer word wins: a letter left out is the commonest typo ("chst").
        best = min(found, key=lambda hit: (hit[1], -len(hit[0])))
        return str(best[0])


@dataclass(frozen=True)
class Negation:
    """Which stems negate what follows, which end that, and phrases that only look negative."""

    cues: frozenset[str]
    breaks: frozenset[str]
    skipped: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SecondOpinion:
    """The learned model, and how sure it must be to raise an alarm the rules missed."""

    model: KindModel
    # The alarm kinds' probabilities together must reach this to raise an alarm...
    alarm_at: float
    # ...and then every alarm kind at least this likely is answered (crisis and emergency
    # both, when the model cannot tell them apart).
    also_at: float
    # A message with no word of an alarm rule needs this much instead (crises are often
    # told in plain words: "I just want it all to stop for good").
    unheard_at: float = 1.0
    # How many labelled examples it learned from (for `clinic-bot check`).
    examples: int = 0

    def alarms(self, text: str, concepts: Sequence[str], heard: bool) -> set[SafetyKind]:
        """Return the alarm kinds the model finds likely enough (often none).

        `concepts` are those the phrase lists found in the message (see `describe`): read
        once by the check, not again by the model. `heard`: whether any of them is part of
        an alarm rule; if not, the model must be surer.
        """
        if len(_words(text)) < MODEL_WORDS:
            return set()
        chances = self.model.probabilities(text, concepts)
        alarms = {k: chances.get(k.name.lower(), 0.0) for k in SafetyKind if k.alarm}
        if sum(alarms.values()) < (self.alarm_at if heard else self.unheard_at):
            return set()
        best = max(alarms, key=lambda k: alarms[k])
        return {best} | {k for k, chance in alarms.items() if chance >= self.also_at}


class SafetyCheck:
    """Say which safety kinds a typed message speaks of."""

    def __init__(
        self,
        reader: Reader,
        concepts: Mapping[str, Sequence[str]],
        rules: Sequence[Rule],
        negation: Negation,
        tense: tuple[Sequence[str], Sequence[str]],
        ages: tuple[int, Iterable[str]],
        health: str = "health",
        second: SecondOpinion | None = None,
    ) -> None:
        self.reader = reader
        self.second = second
        self.rules = tuple(rules)
        self._negation = negation
        # The concepts that make up an alarm rule: only these lower the bar for the model
        # ("massage" or "book", which make up the minors rule, say nothing of an alarm).
        self._alarm_concepts = frozenset(c for r in self.rules if r.kind.alarm for c in r.concepts)
        self._phrases: dict[tuple[str, ...], set[str]] = {}
        for name, phrases in concepts.items():
            for phrase in phrases:
                key = tuple(reader.stems(phrase, idioms=False, correct=False))
                self._phrases.setdefault(key, set()).add(name)
        self._longest = max((len(k) for k in self._phrases), default=1)
        self._past = self._keys(tense[0])
        self._present = self._keys(tense[1])
        self._young_below = ages[0]
        self._not_ages = frozenset(reader.stems(" ".join(ages[1]), idioms=False, correct=False))
        self._health = health

    def assess(self, text: str) -> Assessment:
        """Return the kinds the message speaks of."""
        kinds: set[SafetyKind] = set()
        concepts: list[str] = []  # what `describe` would say, for the model
        for sentence in _sentences(self.reader.stems(text)):
            hits = self._hits(sentence)
            if not hits:
                continue
            concepts.extend(h.concept for h in hits)
            found = {h.concept for h in hits}
            for rule in self.rules:
                if not set(rule.concepts) <= found:
                    continue
                span = self._matches(rule, hits)
                if span is None:
                    continue
                if rule.past is None and rule.alone is None:
                    kinds.add(rule.kind)
                else:
                    kinds.add(self._soften(rule, self._tense(_clause(sentence, *span))))
        # The model only adds an alarm: when unsure, the more serious kind. It must be
        # surer about a message with no word of an alarm rule.
        if self.second is not None and not any(k.alarm for k in kinds):
            heard = any(c in self._alarm_concepts for c in concepts)
            kinds |= self.second.alarms(text, concepts, heard)
        return Assessment(frozenset(kinds))

    def about_health(self, text: str) -> bool:
        """Say whether a message speaks of the body or health at all."""
        return any(
            h.concept == self._health
            for s in _sentences(self.reader.stems(text))
            for h in self._hits(s)
        )

    def describe(self, text: str) -> list[str]:
        """Name the concepts a message speaks of, negated ones left out (for the model)."""
        return [h.concept for s in _sentences(self.reader.stems(text)) for h in self._hits(s)]

    def _hits(self, sentence: list[str]) -> list[_Hit]:
        hits: list[_Hit] = []
        used = [False] * len(sentence)
        i = 0
        while i < len(sentence):
            for size in range(min(self._longest, len(sentence) - i), 0, -1):
                names = self._phrases.get(tuple(sentence[i : i + size]))
                if names:
                    hits.extend(_Hit(n, i, i + size) for n in names)
                    used[i : i + size] = [True] * size
                    i += size
                    break
            else:
                i += 1
        # A young age is read whatever else the number means ("15" is also "too many").
        for j in range(len(sentence)):
            if self._is_young(sentence, j):
                hits.append(_Hit(YOUNG, j, j + 1))
                if _alone(sentence, j):
                    hits.append(_Hit(YOUNG_ALONE, j, j + 1))
        negated = {h.start for h in hits if self._negated(sentence, used, h.start)}
        # "my chest isn't sore": the thing before a negated finding is negated with it.
        after = {
            h.start for h in hits if h.end + 1 in negated and self._cue_at(sentence, used, h.end)
        }
        return [h for h in hits if h.start not in negated | after]

    def _cue_at(self, sentence: list[str], used: list[bool], i: int) -> bool:
        return i < len(sentence) and sentence[i] in self._negation.cues and not used[i]

    def _is_young(self, sentence: list[str], i: int) -> bool:
        word = sentence[i]
        if not word.isdigit() or not 0 < int(word) < self._young_below:
            return False
        if i > 0 and sentence[i - 1].isdigit():
            return False  # "seventy two"
        return i + 1 >= len(sentence) or sentence[i + 1] not in self._not_ages

    def _negated(self, sentence: list[str], used: list[bool], start: int) -> bool:
        reach = NEGATION_REACH
        for j in range(start - 1, -1, -1):
            word = sentence[j]
            if word == _CLAUSE_END or word in self._negation.breaks:
                return False
            if word in self._negation.cues and not used[j]:
                return True
            if word not in self._negation.skipped and not used[j]:
                reach -= 1
                if reach == 0:
                    return False
        return False

    def _matches(self, rule: Rule, hits: list[_Hit]) -> tuple[int, int] | None:
        options = [[h for h in hits if h.concept == c] for c in rule.concepts]
        for combo in itertools.product(*options):
            start, end = min(h.start for h in combo), max(h.end for h in combo)
            if rule.ordered:
                if all(0 <= b.start - a.end <= GAP for a, b in itertools.pairwise(combo)):
                    return start, end
            elif end - start <= WINDOW + 1:
                return start, end
        return None

    def _tense(self, sentence: list[str]) -> tuple[bool, bool]:
        return _contains(sentence, self._past), _contains(sentence, self._present)

    def _keys(self, phrases: Sequence[str]) -> frozenset[tuple[str, ...]]:
        stems = (tuple(self.reader.stems(p, idioms=False, correct=False)) for p in phrases)
        return frozenset(k for k in stems if k)

    @staticmethod
    def _soften(rule: Rule, tense: tuple[bool, bool]) -> SafetyKind:
        past, present = tense
        if present:
            return rule.kind
        if past and rule.past is not None:
            return rule.past
        return rule.alone if rule.alone is not None else rule.kind


def _alone(sentence: list[str], i: int) -> bool:
    """Say whether sentence[i] is a clause of its own, in a sentence of more than one."""
    before = i == 0 or sentence[i - 1] == _CLAUSE_END
    after = i + 1 < len(sentence) and sentence[i + 1] == _CLAUSE_END
    return before and after


def _words(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text) if t[0].isalnum()]


def _sentences(stems: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for stem in stems:
        if stem == _SENTENCE_END:
            out.append([])
        else:
            out[-1].append(stem)
    return [s for s in out if s]


def _clause(sentence: list[str], start: int, end: int) -> list[str]:
    """Return the clauses (between commas) that hold sentence[start:end]."""
    while start > 0 and sentence[start - 1] != _CLAUSE_END:
        start -= 1
    while end < len(sentence) and sentence[end] != _CLAUSE_END:
        end += 1
    return sentence[start:end]


def _contains(sentence: list[str], keys: frozenset[tuple[str, ...]]) -> bool:
    return any(tuple(sentence[i : i + len(k)]) == k for k in keys for i in range(len(sentence)))
