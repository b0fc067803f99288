"""English words, for telling a typo from a real word, in little memory.

The list is pyspellchecker's English word frequencies (about 160,000 words). Held as a
Python set it took about 20 MB, and loading it through pyspellchecker about 35 MB more
at its peak; here it is read straight from the library's file, one entry at a time,
and kept as sorted 64-bit hashes (about 1.3 MB).
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import json
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from importlib import resources

from spellchecker import SpellChecker

_ENTRY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*(\d+)')


def frequencies() -> Iterator[tuple[str, int]]:
    """Yield each English word with how often it is used, one at a time."""
    try:
        source = resources.files("spellchecker") / "resources" / "en.json.gz"
        with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
            data = text.read()
    except OSError:  # a pyspellchecker that keeps its list elsewhere: ask it
        yield from SpellChecker(language="en").word_frequency.dictionary.items()
        return
    for found in _ENTRY.finditer(data):
        word = found[1]
        yield (json.loads(f'"{word}"') if "\\" in word else word), int(found[2])


def commonest(count: int) -> list[str]:
    """Return English's `count` most used words, most used first (ties: in list order)."""
    return [w for w, _ in heapq.nlargest(count, frequencies(), key=lambda pair: pair[1])]


def _hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


class WordSet:
    """Says whether a word is known: a large word list as hashes, plus a few words as they are.

    Two different words share a 64-bit hash about once in 10^9 lists of this size.
    """

    def __init__(self, words: Iterable[str] = (), extra: Iterable[str] = ()) -> None:
        self._hashes = array("Q", sorted({_hash(w) for w in words}))
        self._extra = frozenset(extra)

    def plus(self, words: Iterable[str]) -> WordSet:
        """Return this set with more words in it (the large list is shared, not copied)."""
        joined = WordSet.__new__(WordSet)
        joined._hashes = self._hashes
        joined._extra = self._extra | frozenset(words)
        return joined

    def __contains__(self, word: object) -> bool:
        """Say whether a word is in the set."""
        if not isinstance(word, str):
            return False
        if word in self._extra:
            return True
        key = _hash(word)
        at = bisect_left(self._hashes, key)
        return at < len(self._hashes) and self._hashes[at] == key

    def __len__(self) -> int:
        """Return about how many words the set holds (the two parts may overlap)."""
        return len(self._hashes) + len(self._extra)
