"""The matcher's tuning: every threshold, weight and limit in one place."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    """Thresholds of the decision; the defaults were tuned on tests/faq/cases and held-out sets."""

    answer: float = 0.52
    margin: float = 0.02
    suggest: float = 0.35
    suggest_window: float = 0.25  # suggestions score at most this far below the best
    max_suggestions: int = 3
    shown: int = 3  # candidates kept in a decision (suggestions, the CLI, the unanswered log)
    oov_weight: float = 1.5
    off_topic_weight: float = 4.0  # a word of another business or subject
    non_keyword: float = 0.75
    evidence: float = 1.5
    keyword_evidence: float = 0.75
    common_weight: float = 0.8
    everyday_idf_cap: float = 2.0
    coverage_share: float = 0.25  # of the wording score; the rest is the best phrasing's fit
    # A term this light cannot change which phrasing fits best: skip walking its postings.
    negligible: float = 0.05
    novelty: float = 0.5
    sentence_blend: float = 0.5  # share of the whole message's score in a sentence's
    # Character-level similarity (rapidfuzz), only for the best few entries to stay fast...
    fuzzy: float = 0.2
    fuzzy_top: int = 3
    fuzzy_phrasings: int = 10  # ...against each one's phrasings sharing the most words
    # English's most frequent words (the spell checker's list) count as everyday words.
    everyday_words: int = 2000
    # Typos: words this short are never corrected; from `typo_long_word` letters on,
    # two edits are allowed instead of one.
    typo_min_length: int = 4
    typo_long_word: int = 8
    longest_phrase: int = 4  # words in a synonym or small-talk phrase
    # `faq check`: a word this many times rarer than a one-typo neighbour looks misspelt.
    misspelling_rarer: int = 3
    # The classifier's second opinion (see faq/classifier.py).
    smoothing: float = 0.1
    # Each sentence of an answer counts as this much of an example of its topic: the
    # answer's words say what the topic is about when it has few ways of asking.
    answer_examples: float = 1.0
    support_weight: float = 0.2  # its share in the ranking
    agreed_answer: float = 0.41  # lexical score enough when both pick the same entry...
    agreed_support: float = 0.82  # ...and the classifier is at least this sure
    veto_support: float = 0.99  # no answer when the classifier is this sure of another...
    veto_gap: float = 0.2  # (a veto needs the other entry's wording this close)
    least_support: float = 0.14  # ...or finds the best entry this unlikely
    # An entry with few ways of asking scores lower on a paraphrase, and so does every
    # entry on an unrelated message: its scores say less, and the decision asks more of
    # them. Each entry's thresholds move from the `lean_` values towards those above as
    # its ways of asking grow to `rich_phrasings` (on a log scale; one way is 15% there,
    # four 35%, twenty 66%). Refitted (2026-12-07) on the base cut to 3 alternates and
    # on the full one, over every labelled set: a thin entry needs a closer wording to
    # answer on wording alone, or the classifier's firmer agreement (`lean_agreed_…`).
    rich_phrasings: int = 100
    lean_answer: float = 0.66
    lean_margin: float = 0.0
    lean_least_support: float = 0.14
    lean_veto_support: float = 1.0
    lean_veto_gap: float = 0.37
    lean_agreed_answer: float = 0.23
    lean_agreed_support: float = 0.93

    def typo_edits(self, word: str) -> int:
        """Return how many edits may turn this word into a known one."""
        return 1 if len(word) < self.typo_long_word else 2

    def for_entry(self, ways_of_asking: int) -> Thresholds:
        """Return the decision's thresholds for an entry with this many ways of asking."""
        rich = min(1.0, math.log1p(ways_of_asking) / math.log1p(self.rich_phrasings))

        def between(lean: float, full: float) -> float:
            return lean + rich * (full - lean)

        return Thresholds(
            answer=between(self.lean_answer, self.answer),
            margin=between(self.lean_margin, self.margin),
            least_support=between(self.lean_least_support, self.least_support),
            veto_support=between(self.lean_veto_support, self.veto_support),
            veto_gap=between(self.lean_veto_gap, self.veto_gap),
            agreed_answer=between(self.lean_agreed_answer, self.agreed_answer),
            agreed_support=between(self.lean_agreed_support, self.agreed_support),
        )


@dataclass(frozen=True)
class Thresholds:
    """What one entry's scores must reach for the bot to answer with it (see Tuning)."""

    answer: float
    margin: float
    least_support: float
    veto_support: float
    veto_gap: float
    agreed_answer: float
    agreed_support: float
