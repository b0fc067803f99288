"""A second opinion on a message's topic: naive Bayes over the knowledge base's phrasings.

The lexical score asks "how much of the message does this entry's wording cover?". This
asks "which entry's phrasings use words like these?", learning from every question,
alternate and keyword which words each topic tends to be asked with. The two make
different mistakes, so the matcher answers more readily when they agree and holds back
when the classifier firmly backs another topic.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise


def features(terms: Sequence[str]) -> list[str]:
    """Return the terms and each pair of neighbouring terms ("how+long", "#book+#session").

    Pairs tell apart messages made of the same words in other roles: "how long" a
    session lasts from "how many" sessions it takes.
    """
    return [*terms, *(f"{a}+{b}" for a, b in pairwise(terms))]


@dataclass(frozen=True)
class NaiveBayes:
    """Multinomial naive Bayes with additive smoothing and equal priors."""

    # Per term, each class's log likelihood: an array of single-precision floats (a tuple
    # of float objects took about five times the memory, for thousands of terms; doubles
    # twice as much, and the sums, taken in doubles, chose the same answers).
    log_likelihood: dict[str, array[float]]

    @classmethod
    def train(
        cls,
        examples: Iterable[tuple[int, Iterable[str]] | tuple[int, Iterable[str], float]],
        classes: int,
        alpha: float,
    ) -> NaiveBayes:
        """Learn from (class, terms[, weight]) examples; `alpha` smooths unused terms."""
        counts: list[dict[str, float]] = [defaultdict(float) for _ in range(classes)]
        for label, terms, *weight in examples:
            share = weight[0] if weight else 1.0
            for term in terms:
                counts[label][term] += share
        vocabulary = set().union(*counts)
        totals = [sum(c.values()) + alpha * len(vocabulary) for c in counts]
        return cls(
            {
                term: array(
                    "f",
                    (
                        math.log((c.get(term, 0.0) + alpha) / total)
                        for c, total in zip(counts, totals, strict=True)
                    ),
                )
                for term in vocabulary
            }
        )

    def known(self, terms: Iterable[str]) -> list[str]:
        """Return the terms seen in training (the others say nothing to the classifier)."""
        return [t for t in terms if t in self.log_likelihood]

    def probabilities(self, terms: Sequence[str]) -> list[float]:
        """Return each class's probability for these terms (empty if none is known)."""
        rows = [self.log_likelihood[t] for t in terms if t in self.log_likelihood]
        if not rows:
            return []
        sums = [math.fsum(column) for column in zip(*rows, strict=True)]
        top = max(sums)
        weights = [math.exp(s - top) for s in sums]
        total = sum(weights)
        return [w / total for w in weights]
