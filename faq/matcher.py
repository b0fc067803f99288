"""Decide how to reply to a message: an answer, suggestions, small talk or no match."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from faq.kb import Entry, KnowledgeBase, SmallTalk
from faq.text import COMMON_WORDS_FILE, OFF_TOPIC_WORDS_FILE, Normaliser, fold, load_words, segments


@dataclass(frozen=True)
class Tuning:
    """Thresholds of the decision; the defaults were tuned on held-out client messages."""

    answer: float = 0.53
    margin: float = 0.05
    suggest: float = 0.35
    oov_weight: float = 1.5
    non_keyword: float = 0.75
    evidence: float = 1.5
    common_weight: float = 0.8
    fuzzy: float = 0.1
    novelty: float = 0.5
    max_suggestions: int = 3


@dataclass(frozen=True)
class Candidate:
    """An entry with its score (0..1) for the message."""

    entry: Entry
    score: float


@dataclass(frozen=True)
class Answer:
    """Confident: reply with this entry's answer."""

    entry: Entry
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class Suggestions:
    """Unsure between a few entries: ask 'did you mean…'."""

    entries: tuple[Entry, ...]
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class NoMatch:
    """Nothing fits: say so and offer the topics and a person."""

    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class SmallTalkReply:
    """A greeting, thanks or goodbye."""

    smalltalk: SmallTalk
    candidates: tuple[Candidate, ...] = ()


Decision = Answer | Suggestions | NoMatch | SmallTalkReply


@dataclass
class _Doc:
    entry: int
    terms: frozenset[str]
    weight: float = 0.0


@dataclass
class Matcher:
    """Score messages against the knowledge base's questions, alternates and keywords."""

    kb: KnowledgeBase
    tuning: Tuning = field(default_factory=Tuning)

    def __post_init__(self) -> None:
        common = load_words(COMMON_WORDS_FILE)
        protected = load_words(OFF_TOPIC_WORDS_FILE)
        bare = Normaliser(self.kb.aliases, self.kb.synonyms)
        texts = [t for e in self.kb.entries for t in _texts(e)]
        texts += [g for group in self.kb.synonyms for g in group]
        vocab = [w for t in texts for w in bare.words(t, correct=False)]
        self.normaliser = Normaliser(self.kb.aliases, self.kb.synonyms, vocab, common, protected)
        self._smalltalk = {
            tuple(self.normaliser.words(p, correct=False)): s
            for s in self.kb.smalltalk
            for p in s.phrases
        }
        self._docs: list[_Doc] = []
        self._ownership: list[dict[str, float]] = []
        vocab_of: list[set[str]] = []
        for i, entry in enumerate(self.kb.entries):
            terms_of_entry: set[str] = set()
            for text in _texts(entry):
                terms = frozenset(self.normaliser.terms(text, correct=False))
                if terms:
                    self._docs.append(_Doc(i, terms))
                    terms_of_entry |= terms
            vocab_of.append(terms_of_entry)
            keys = {t for k in entry.keywords for t in self.normaliser.terms(k, correct=False)}
            self._ownership.append(
                {t: 1.0 if t in keys else self.tuning.non_keyword for t in terms_of_entry}
            )
        df = Counter(t for terms in vocab_of for t in terms)
        n = len(self.kb.entries)
        self._idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        for doc in self._docs:
            doc.weight = sum(self._idf[t] for t in doc.terms)
        self._fuzzy_texts = [
            " ".join(self.normaliser.words(t, correct=False))
            for e in self.kb.entries
            for t in _texts(e)
        ]
        self._fuzzy_owner = [i for i, e in enumerate(self.kb.entries) for _ in _texts(e)]

    def decide(self, message: str) -> Decision:
        """Choose how to reply to one message."""
        small = self._smalltalk_of(message)
        candidates = self.rank(message)
        if small is not None:
            return SmallTalkReply(small, candidates)
        t = self.tuning
        best = candidates[0].score if candidates else 0.0
        second = candidates[1].score if len(candidates) > 1 else 0.0
        if best >= t.answer and best - second >= t.margin:
            return Answer(candidates[0].entry, candidates)
        if best >= t.suggest:
            floor = max(t.suggest, best - 0.25)
            picks = [c.entry for c in candidates[: t.max_suggestions] if c.score >= floor]
            return Suggestions(tuple(picks), candidates)
        return NoMatch(candidates)

    def rank(self, message: str, top: int = 3) -> tuple[Candidate, ...]:
        """Return the best-scoring entries, best first."""
        scores = [0.0] * len(self.kb.entries)
        parts = segments(message)
        texts = [message, *parts] if len(parts) > 1 else [message]
        for text in texts:
            terms = self.normaliser.terms(text)
            if not terms:
                continue
            fz = [0.0] * len(self.kb.entries)
            if self.tuning.fuzzy:
                text_n = " ".join(self.normaliser.words(text))
                row = process.extract(
                    text_n, self._fuzzy_texts, scorer=fuzz.token_set_ratio, limit=None
                )
                for _, value, j in row:
                    owner = self._fuzzy_owner[j]
                    fz[owner] = max(fz[owner], float(value) / 100)
            for i, score in enumerate(self._score(terms)):
                scores[i] = max(
                    scores[i],
                    (1 - self.tuning.fuzzy) * score + self.tuning.fuzzy * fz[i] * (score > 0),
                )
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[:top]
        return tuple(Candidate(self.kb.entries[i], round(scores[i], 3)) for i in order)

    def _weight(self, term: str) -> float:
        idf = self._idf.get(term)
        if idf is not None:
            return idf
        return (
            self.tuning.common_weight if self.normaliser.is_common(term) else self.tuning.oov_weight
        )

    def _score(self, terms: list[str]) -> list[float]:
        weights = {t: self._weight(t) for t in terms}
        total = sum(weights.values()) or 1.0
        coverage = [
            sum(w * own.get(t, 0.0) for t, w in weights.items()) / total for own in self._ownership
        ]
        best_doc = [0.0] * len(self.kb.entries)
        for doc in self._docs:
            shared = sum(w for t, w in weights.items() if t in doc.terms)
            if shared == 0:
                continue
            precision, recall = shared / total, shared / doc.weight
            f1 = 2 * precision * recall / (precision + recall)
            best_doc[doc.entry] = max(best_doc[doc.entry], f1)
        # A message made only of common words (e.g. "massage") is weak evidence for any entry.
        matched = [sum(w for t, w in weights.items() if t in own) for own in self._ownership]
        # Unknown words (not the FAQ's, not everyday English) usually name what the
        # message is really about: "what time does the pharmacy open".
        unknown = sum(
            w for t, w in weights.items() if t not in self._idf and not self.normaliser.is_common(t)
        )
        novelty = (1 - unknown / total) ** self.tuning.novelty
        return [
            (0.5 * c + 0.5 * d) * min(1.0, m / self.tuning.evidence) * novelty
            for c, d, m in zip(coverage, best_doc, matched, strict=True)
        ]

    def _smalltalk_of(self, message: str) -> SmallTalk | None:
        words = tuple(w for w in self.normaliser.words(message, correct=False) if w not in _FILLERS)
        if not words:
            return None
        found: SmallTalk | None = None
        i = 0
        while i < len(words):
            for size in range(min(4, len(words) - i), 0, -1):
                hit = self._smalltalk.get(words[i : i + size])
                if hit is not None:
                    found = found or hit
                    i += size
                    break
            else:
                return None
        return found


# Words that may surround a greeting or thanks without making it a question.
_FILLERS = frozenset(
    "so much very again a lot all you guys everyone team dear for that this the it and oh "
    "really again too ok okay just".split()
)


def _texts(entry: Entry) -> list[str]:
    return [entry.question, *entry.alternates, *entry.keywords]


__all__ = [
    "Answer",
    "Candidate",
    "Decision",
    "Matcher",
    "NoMatch",
    "SmallTalkReply",
    "Suggestions",
    "Tuning",
    "fold",
]
