"""Decide how to reply to a message: an answer, suggestions, small talk or no match."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from faq.classifier import features
from faq.index import Index
from faq.kb import Entry, KnowledgeBase, SmallTalk
from faq.text import fold, segments
from faq.tuning import Tuning


@dataclass(frozen=True)
class Candidate:
    """An entry with its score (0..1) for the message, and what makes it up.

    `lexical` is how well the entry's wording covers the message; `support` is the
    classifier's probability for the entry; `score` blends the two and orders candidates.
    """

    entry: Entry
    score: float
    lexical: float = 0.0
    support: float = 0.0


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
class Matcher:
    """Score messages against the knowledge base's questions, alternates and keywords."""

    kb: KnowledgeBase
    tuning: Tuning = field(default_factory=Tuning)
    # Words never "corrected" into a knowledge-base word (health words: "shingles").
    keep: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.index = Index(self.kb, self.tuning, self.keep)
        self.normaliser = self.index.normaliser
        # How much the base says about each entry sets how sure the decision must be.
        self.thresholds = {
            entry.id: self.tuning.for_entry(ways)
            for entry, ways in zip(self.kb.entries, self.index.ways_of_asking(), strict=True)
        }
        # A message's terms are needed by both opinions, for it and for its sentences;
        # kept only while one message is decided (clients' words are not held on to).
        self._terms = lru_cache(maxsize=32)(self._terms_of)
        self._smalltalk = {
            tuple(self.normaliser.words(p, correct=False)): s
            for s in self.kb.smalltalk
            for p in s.phrases
        }

    def __getstate__(self) -> dict[str, object]:
        """What a saved copy keeps: not the terms of recent messages."""
        return {k: v for k, v in self.__dict__.items() if k != "_terms"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._terms = lru_cache(maxsize=32)(self._terms_of)

    def decide(self, message: str) -> Decision:
        """Choose how to reply to one message."""
        try:
            return self._decide(message)
        finally:
            self._terms.cache_clear()

    def _decide(self, message: str) -> Decision:
        small = self._smalltalk_of(message)
        terms = self._terms(message)
        candidates = self._rank(message, len(self.kb.entries))
        t = self.tuning
        shown = candidates[: t.shown]
        if small is not None:
            return SmallTalkReply(small, shown)
        if self._confident(candidates, terms):
            return Answer(candidates[0].entry, shown)
        best = candidates[0].score if candidates else 0.0
        if best >= t.suggest:
            floor = max(t.suggest, best - t.suggest_window)
            picks = [c.entry for c in candidates[: t.max_suggestions] if c.score >= floor]
            return Suggestions(tuple(picks), shown)
        return NoMatch(shown)

    def _confident(self, candidates: tuple[Candidate, ...], terms: tuple[str, ...]) -> bool:
        """Say whether the best candidate is clear enough to answer with.

        Either its wording clearly fits, better than the next one's, and the classifier
        neither doubts it nor firmly backs another entry whose wording fits nearly as
        well (context around a question can sway the classifier); or the wording fits fairly and
        the classifier firmly agrees, on at least two words it knows (one word is too little
        for two opinions to be independent), in a message naming no other business.
        """
        if not candidates:
            return False
        first = candidates[0]
        t = self.thresholds[first.entry.id]
        second = candidates[1].lexical if len(candidates) > 1 else 0.0
        backed = max(candidates, key=lambda c: c.support)
        doubted = first.support < t.least_support or (
            backed is not first
            and backed.support >= t.veto_support
            and backed.lexical >= first.lexical - t.veto_gap
        )
        if first.lexical >= t.answer and first.lexical - second >= t.margin and not doubted:
            return True
        return (
            backed is first
            and first.lexical >= t.agreed_answer
            and first.support >= t.agreed_support
            and len(self.index.classifier.known(terms)) > 1
            and not any(self.normaliser.is_off_topic(term) for term in terms)
        )

    def _rank(self, message: str, top: int) -> tuple[Candidate, ...]:
        """Score every entry, best first, keeping the first `top`."""
        scores = self._by_sentence(message, self._score_text)
        support = self._by_sentence(message, self._support) if scores else {}
        w = self.tuning.support_weight
        ranked = []
        for i, entry in enumerate(self.kb.entries):
            lexical, backing = scores.get(i, 0.0), support.get(i, 0.0)
            blended = (lexical + w * backing) / (1 + w)
            ranked.append(Candidate(entry, round(blended, 3), round(lexical, 3), round(backing, 3)))
        ranked.sort(key=lambda c: -c.score)
        return tuple(ranked[:top])

    def _by_sentence(
        self, message: str, score: Callable[[str], dict[int, float]]
    ) -> dict[int, float]:
        """Score a message as a whole and, when it is long, sentence by sentence.

        Scoring each sentence keeps the question from being drowned by the context
        around it; a sentence's score is blended with the whole message's, so that a
        short aside ("could a knot do that?") does not outweigh it.
        """
        scores = score(message)
        parts = segments(message)
        if len(parts) > 1:
            whole = dict(scores)
            blend = self.tuning.sentence_blend
            for part in parts:
                for i, value in score(part).items():
                    mixed = (1 - blend) * value + blend * whole.get(i, 0.0)
                    scores[i] = max(scores.get(i, 0.0), mixed)
        return scores

    def _support(self, text: str) -> dict[int, float]:
        terms = features(self._terms(text))
        return dict(enumerate(self.index.classifier.probabilities(terms)))

    def _terms_of(self, text: str) -> tuple[str, ...]:
        return tuple(self.normaliser.terms(text))

    def _weight(self, term: str) -> float:
        idf = self.index.idf.get(term)
        if idf is not None:
            # An everyday word ("next", "down") is weak evidence even when it happens to
            # appear in only one entry's phrasings.
            everyday = self.normaliser.is_common(term)
            return min(idf, self.tuning.everyday_idf_cap) if everyday else idf
        if self.normaliser.is_common(term):
            return self.tuning.common_weight
        if self.normaliser.is_off_topic(term):
            return self.tuning.off_topic_weight
        return self.tuning.oov_weight

    def _score_text(self, text: str) -> dict[int, float]:
        terms = self._terms(text)
        if not terms:
            return {}
        t, index = self.tuning, self.index
        weights = {term: self._weight(term) for term in terms}
        total = sum(weights.values())
        covered: dict[int, float] = defaultdict(float)
        matched: dict[int, float] = defaultdict(float)
        shared: dict[int, float] = defaultdict(float)
        for term, w in weights.items():
            for entry, own in index.owners.get(term, ()):
                covered[entry] += w * own
                # An entry's own keyword is evidence for it even when the word is common
                # across the knowledge base ("trigger points?").
                matched[entry] += w if own < 1 else max(w, t.keyword_evidence)
            if w < t.negligible:
                continue  # "what" is in a third of all phrasings and weighs 0.02
            for d in index.postings.get(term, ()):
                shared[d] += w
        # The best single phrasing of each entry, by the F1 of its overlap with the
        # message: 2PR / (P + R) with P = overlap / total and R = overlap / doc weight.
        best_doc: dict[int, float] = defaultdict(float)
        entry_of, weight_of = index.doc_entry, index.doc_weight
        for d, overlap in shared.items():
            f1 = 2 * overlap / (total + weight_of[d])
            if f1 > best_doc[entry_of[d]]:
                best_doc[entry_of[d]] = f1
        # Unknown words (not the FAQ's, not everyday English) usually name what the
        # message is really about: "what time does the pharmacy open".
        unknown = sum(
            w
            for term, w in weights.items()
            if term not in index.idf and not self.normaliser.is_common(term)
        )
        novelty = (1 - unknown / total) ** t.novelty
        # A message made only of common words (e.g. "massage") is weak evidence, unless
        # it says exactly what one entry's phrasing says ("what is a trigger point").
        exact = index.exact.get(frozenset(weights), ())
        scores = {}
        for entry in covered:
            share = t.coverage_share
            lexical = share * covered[entry] / total + (1 - share) * best_doc[entry]
            evidence = 1.0 if exact == (entry,) else min(1.0, matched[entry] / t.evidence)
            scores[entry] = lexical * evidence * novelty
        if t.fuzzy:
            self._add_similarity(text, scores, shared, total)
        return scores

    def _add_similarity(
        self, text: str, scores: dict[int, float], shared: dict[int, float], total: float
    ) -> None:
        """Blend in character-level similarity to the best few entries' closest phrasings.

        Only the phrasings that already share the most with the message are compared,
        which keeps this fast however many alternates the knowledge base has.
        """
        index, t = self.index, self.tuning
        folded = " ".join(self.normaliser.words(text))
        best = sorted(scores, key=lambda e: -scores[e])[: t.fuzzy_top]
        near: dict[int, list[tuple[float, int]]] = {entry: [] for entry in best}
        for d, overlap in shared.items():
            found = near.get(index.doc_entry[d])
            if found is not None:
                found.append((overlap / (total + index.doc_weight[d]), d))
        for entry in best:
            closest = heapq.nlargest(t.fuzzy_phrasings, near[entry])
            texts = [index.doc_text[d] for _, d in closest]
            similarity = max((fuzz.token_set_ratio(folded, x) for x in texts), default=0.0)
            scores[entry] = (1 - t.fuzzy) * scores[entry] + t.fuzzy * similarity / 100

    def _smalltalk_of(self, message: str) -> SmallTalk | None:
        every = tuple(self.normaliser.words(message, correct=False))
        if every in self._smalltalk:
            # The whole message is one phrase, fillers and all ("ok", "got it").
            return self._smalltalk[every]
        words = tuple(w for w in every if w not in self.kb.words.fillers)
        if not words:
            return None
        found: SmallTalk | None = None
        i = 0
        while i < len(words):
            for size in range(min(self.tuning.longest_phrase, len(words) - i), 0, -1):
                hit = self._smalltalk.get(words[i : i + size])
                if hit is not None:
                    found = found or hit
                    i += size
                    break
            else:
                return None
        return found


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
