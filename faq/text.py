"""Turn chat messages into matching terms: spelling, short forms, typos, stems, synonyms."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

from faq import english
from faq.tuning import Tuning

_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018`\u00b4\u02bc", "'"))
_CONTRACTIONS = (
    (re.compile(r"\bcan't\b"), "can not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'re\b"), " are"),
    (re.compile(r"'m\b"), " am"),
    (re.compile(r"'ll\b"), " will"),
    (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'d\b"), " would"),
    (re.compile(r"'s\b"), ""),
)
_WORD = re.compile(r"[^\W\d_]+|\d+")
_TOKEN = re.compile(r"[^\W_]+")
_SEGMENT = re.compile(r"[.!?;\n]+")


def english_frequencies() -> Mapping[str, int]:
    """Return English words with how often each is used (pyspellchecker's list).

    Not kept: the running bot needs only the everyday words drawn from it.
    """
    return SpellChecker(language="en").word_frequency.dictionary


@lru_cache(maxsize=4)
def everyday_words(count: int) -> frozenset[str]:
    """Return English's `count` most frequent words.

    Words such as "honestly", "weird" or "tomorrow" say little about which FAQ a message
    is about; without this list each would count as a sign of an unrelated topic.
    """
    return frozenset(w for w in english.commonest(count) if w.isalpha())


@lru_cache(maxsize=2)
def english_words(min_count: int) -> english.WordSet:
    """Return the English words used at least `min_count` times in pyspellchecker's list."""
    return english.WordSet(w for w, n in english.frequencies() if n >= min_count)


def fold(text: str) -> str:
    """Lower-case, unify apostrophes, drop accents and expand contractions."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_APOSTROPHES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def segments(text: str) -> list[str]:
    """Split a message into sentences (non-empty)."""
    return [part for part in _SEGMENT.split(text) if part.strip()]


class Normaliser:
    """Map text to terms; words outside the vocabulary are corrected to a close known word."""

    def __init__(
        self,
        aliases: Mapping[str, str],
        synonyms: Sequence[Sequence[str]],
        vocabulary: Iterable[str] = (),
        common_words: frozenset[str] = frozenset(),
        protected: frozenset[str] = frozenset(),
        keep: frozenset[str] = frozenset(),
        stopwords: frozenset[str] = frozenset(),
        tuning: Tuning | None = None,
    ) -> None:
        self._stopwords = stopwords
        self._tuning = tuning or Tuning()
        self._aliases = {k: tuple(_WORD.findall(fold(v))) for k, v in aliases.items()}
        self._stemmer = snowballstemmer.stemmer("english")
        self._common = frozenset(self._stemmer.stemWord(w) for w in common_words) | stopwords
        counts = Counter(vocabulary)
        # Most frequent first so that ties between corrections go to the commoner word.
        self._vocab = [w for w, _ in counts.most_common()]
        self._known = (
            frozenset(self._vocab)
            | common_words
            | protected
            | keep
            | stopwords
            | set(self._aliases)
        )
        self._off_topic = frozenset(self._stemmer.stemWord(w) for w in protected)
        self._phrases = self._phrase_table(synonyms)
        self._correct = lru_cache(maxsize=4096)(self._correct_uncached)
        self._stem = lru_cache(maxsize=8192)(self._stemmer.stemWord)

    def __getstate__(self) -> dict[str, object]:
        """What a saved copy keeps: not the caches of recent words, nor the stemmer.

        The stemmer is made again when read back (PyStemmer's cannot be saved).
        """
        skipped = ("_correct", "_stem", "_stemmer")
        return {k: v for k, v in self.__dict__.items() if k not in skipped}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._stemmer = snowballstemmer.stemmer("english")
        self._correct = lru_cache(maxsize=4096)(self._correct_uncached)
        self._stem = lru_cache(maxsize=8192)(self._stemmer.stemWord)

    def words(self, text: str, *, correct: bool = True) -> list[str]:
        """Return the message's words with short forms expanded and typos corrected."""
        out: list[str] = []
        for token in _TOKEN.findall(fold(text)):
            # Short forms mixing letters and digits ("b4", "2nite") are whole tokens;
            # otherwise letters and digits part ("60min" is 60 and min).
            expanded = self._aliases.get(token)
            if expanded is not None:
                out.extend(expanded)
                continue
            for word in _WORD.findall(token):
                if correct:
                    word = self._correct(word)
                out.extend(self._aliases.get(word, (word,)))
        return out

    def terms(self, text: str, *, correct: bool = True) -> list[str]:
        """Return the distinct meaningful terms: stems, with synonym groups merged."""
        words = self.words(text, correct=correct)
        stems = [self._stem(w) for w in words]
        terms: list[str] = []
        i = 0
        while i < len(stems):
            for size in range(min(self._tuning.longest_phrase, len(stems) - i), 0, -1):
                concept = self._phrases.get(tuple(stems[i : i + size]))
                if concept is not None:
                    terms.append(concept)
                    i += size
                    break
            else:
                if words[i].isdigit():
                    # Numbers (30, 60, 90...) say little about the topic on their own.
                    terms.append("#number")
                elif words[i] not in self._stopwords:
                    terms.append(stems[i])
                i += 1
        return list(dict.fromkeys(terms))

    def conflicts(self, synonyms: Sequence[Sequence[str]]) -> list[tuple[int, str, str]]:
        """Find phrases that mean the same after stemming but sit in two synonym groups."""
        owner: dict[tuple[str, ...], tuple[int, str]] = {}
        found = []
        for index, group in enumerate(synonyms):
            for phrase in group:
                key = tuple(self._stemmer.stemWord(w) for w in self.words(phrase, correct=False))
                first = owner.setdefault(key, (index, phrase))
                if first[0] != index:
                    found.append(
                        (index, phrase, f"{first[1]} (in the group of '{synonyms[first[0]][0]}')")
                    )
        return found

    def is_off_topic(self, term: str) -> bool:
        """Say whether a term names another business or subject (pizza, dentist, pharmacy)."""
        return term in self._off_topic

    def is_common(self, term: str) -> bool:
        """Say whether a term is an everyday word (weak evidence either way)."""
        return term in self._common

    def _phrase_table(self, synonyms: Sequence[Sequence[str]]) -> dict[tuple[str, ...], str]:
        table: dict[tuple[str, ...], str] = {}
        for group in synonyms:
            concept = "#" + group[0]
            for phrase in group:
                words = self.words(phrase, correct=False)
                key = tuple(self._stemmer.stemWord(w) for w in words)
                if key:
                    table.setdefault(key, concept)
        return table

    def _correct_uncached(self, word: str) -> str:
        short = len(word) < self._tuning.typo_min_length
        if word in self._known or short or not word.isalpha() or not self._vocab:
            return word
        limit = self._tuning.typo_edits(word)
        found = process.extractOne(word, self._vocab, scorer=OSA.distance, score_cutoff=limit)
        return found[0] if found else word
