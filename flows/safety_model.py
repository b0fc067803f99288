"""A learned second opinion for the safety check: which kind a typed message is most like.

The phrase rules (`flows/safety.yaml`) know exactly the words written into them. This
model learns from labelled example messages (`flows/safety_examples.yaml`, which a clinic
can extend) and from ordinary questions (the knowledge base's own phrasings, as `none`),
over character n-grams inside words, which survive typos, chat spelling and other
languages, and over words and word pairs. It is a complement naive Bayes over tf-idf
weights (Rennie et al., 2003): it learns in one pass at start and answers in well under a
millisecond.

Pure: examples in, probabilities out. The safety check asks it only for the alarm kinds
the rules missed, so it can add an alarm but never take one away.
"""

from __future__ import annotations

import itertools
import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter, mul

from faq.text import fold

NONE = "none"
# Character n-gram sizes, taken inside each word padded with spaces.
CHAR_SIZES = (2, 3, 4, 5)
# A character n-gram must occur in this many examples to be learned.
MIN_EXAMPLES = 2
# Additive smoothing of the per-kind weights.
SMOOTHING = 0.3
# How much each kind of feature counts: character n-grams, words, and the concepts found
# (a single concept such as "going to" must not outweigh the words around it).
BLOCK_WEIGHTS = (1.0, 1.0, 0.3)
_WORD = re.compile(r"[^\W_]+")
# Word features carry this prefix, which no character n-gram contains.
_WORD_MARK = "\x00"
_OWN_MARK = "\x01"

Counts = dict[str, int]


def _counts(text: str) -> tuple[Counts, Counts]:
    """Return the character n-gram and word (and word-pair) counts of a message."""
    words = _WORD.findall(fold(text))
    chars = Counter(
        padded[i : i + size]
        for padded in (f" {word} " for word in words)
        for size in CHAR_SIZES
        for i in range(len(padded) - size + 1)
    )
    terms: Counter[str] = Counter(_WORD_MARK + w for w in words)
    terms.update(f"{_WORD_MARK}{a} {b}" for a, b in itertools.pairwise(words))
    return dict(chars), dict(terms)


def _idf(docs: Sequence[Counts], min_examples: int) -> dict[str, float]:
    """Smoothed inverse document frequency of every feature seen often enough."""
    seen: Counter[str] = Counter()
    for doc in docs:
        seen.update(doc.keys())
    total = len(docs) + 1
    return {f: math.log(total / (1 + n)) + 1 for f, n in seen.items() if n >= min_examples}


def _weighted(counts: Counts, idf: Mapping[str, float]) -> dict[str, float]:
    """Sub-linear tf times idf, scaled to unit length (features unknown to idf dropped)."""
    vector = {f: (1 + math.log(n)) * idf[f] for f, n in counts.items() if f in idf}
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {f: v / norm for f, v in vector.items()} if norm else {}


def _vector(doc: tuple[Counts, ...], idf: Sequence[Mapping[str, float]]) -> dict[str, float]:
    vector: dict[str, float] = {}
    for counts, block_idf, scale in zip(doc, idf, BLOCK_WEIGHTS, strict=True):
        vector.update({f: v * scale for f, v in _weighted(counts, block_idf).items()})
    return vector


Describe = Callable[[str], Iterable[str]]


class KindModel:
    """Learned from (message, kind) examples; says how likely each kind is for a message.

    `describe`, when given, adds features of its own for a message (the safety check
    gives the concepts its phrase lists find there, negated ones left out).
    """

    def __init__(
        self, examples: Iterable[tuple[str, str]], describe: Describe | None = None
    ) -> None:
        self._describe = describe
        pairs = list(examples)
        docs = [self._counts(text) for text, _ in pairs]
        idf = (
            _idf([d[0] for d in docs], MIN_EXAMPLES),
            _idf([d[1] for d in docs], 1),
            _idf([d[2] for d in docs], 1),
        )
        self.kinds: tuple[str, ...] = tuple(sorted({kind for _, kind in pairs}))
        if not self.kinds:
            raise ValueError("the safety model needs at least one example")
        per_kind: dict[str, dict[str, float]] = {k: {} for k in self.kinds}
        everything: dict[str, float] = {}
        for doc, (_, kind) in zip(docs, pairs, strict=True):
            ours = per_kind[kind]
            for feature, value in _vector(doc, idf).items():
                ours[feature] = ours.get(feature, 0.0) + value
                everything[feature] = everything.get(feature, 0.0) + value
        size = len(everything)
        grand = sum(everything.values())
        denominators = {k: grand - sum(per_kind[k].values()) + SMOOTHING * size for k in self.kinds}
        # Kept compact (a feature's row number, then arrays): a dict of tuples of floats
        # took about 23 MB for 50,000 features, this about a third of it. The weights are
        # single precision ("f"): half the size of doubles, and the sums (in doubles) move
        # by far less than any threshold's margin.
        self._row: dict[str, int] = {}
        self._block = array("b")  # which kind of feature each row is (see BLOCK_WEIGHTS)
        self._idf = array("f")
        # Each kind's weights, by row: a message's score for a kind is then one sum in C.
        self._columns = tuple(array("f") for _ in self.kinds)
        for block, block_idf in enumerate(idf):
            for feature, value in block_idf.items():
                self._row[feature] = len(self._idf)
                self._block.append(block)
                self._idf.append(value)
                # A feature's weight for a kind is high when it is rare outside that kind.
                total = everything[feature]
                for k, column in zip(self.kinds, self._columns, strict=True):
                    own = per_kind[k].get(feature, 0.0)
                    column.append(-math.log((SMOOTHING + total - own) / denominators[k]))

    def __getstate__(self) -> dict[str, object]:
        """What a saved copy keeps: everything learned, not the `describe` function."""
        return {k: v for k, v in self.__dict__.items() if k != "_describe"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._describe = None

    def describe_with(self, describe: Describe | None) -> KindModel:
        """Give a model read back from a saved copy its `describe` function again."""
        self._describe = describe
        return self

    def _counts(
        self, text: str, described: Iterable[str] | None = None
    ) -> tuple[Counts, Counts, Counts]:
        chars, words = _counts(text)
        if described is None and self._describe is not None:
            described = self._describe(text)
        own = dict(Counter(_OWN_MARK + f for f in described or ()))
        return chars, words, own

    def probabilities(self, text: str, described: Iterable[str] | None = None) -> dict[str, float]:
        """Return each kind's probability for the message (they sum to 1).

        `described`, when the caller has it already, is what `describe` says of the text.
        """
        row_of, blocks, idf = self._row, self._block, self._idf
        rows: list[int] = []
        values: list[float] = []
        for block, (counts, scale) in enumerate(
            zip(self._counts(text, described), BLOCK_WEIGHTS, strict=True)
        ):
            # The same sums, in the same order, as `_vector` at learning time.
            found = []
            for feature, n in counts.items():
                row = row_of.get(feature)
                if row is not None and blocks[row] == block:
                    found.append((row, (1 + math.log(n)) * idf[row]))
            norm = math.sqrt(sum(v * v for _, v in found))
            if not norm:
                continue
            for row, v in found:
                rows.append(row)
                values.append(v / norm * scale)
        if not rows:
            scores = [0.0] * len(self.kinds)
        else:
            pick = itemgetter(*rows) if len(rows) > 1 else lambda column: (column[rows[0]],)
            scores = [sum(map(mul, values, pick(column))) for column in self._columns]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {kind: e / total for kind, e in zip(self.kinds, exps, strict=True)}
