"""Load and validate the matcher's word lists (faq/words.yaml): language, not clinic content."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from contentfile import ContentError, Fields, read_yaml
from faq.text import fold

DEFAULT_WORDS_FILE = Path(__file__).with_name("words.yaml")
_LISTS = ("stopwords", "fillers", "common", "off_topic")
_WORD = re.compile(r"^[^\W\d_]+$")
_TOKEN = re.compile(r"^[^\W_]+$")


@dataclass(frozen=True)
class WordLists:
    """Words the matcher treats specially, whatever the clinic."""

    stopwords: frozenset[str]  # carry no meaning for matching
    fillers: frozenset[str]  # may surround a greeting or thanks
    common: frozenset[str]  # everyday words: weak evidence, never corrected
    off_topic: frozenset[str]  # other businesses' words: strong evidence against an answer
    short_forms: Mapping[str, str]  # chat spellings rewritten before matching


def load_word_lists(path: Path | str = DEFAULT_WORDS_FILE) -> WordLists:
    """Read and validate the word lists; raise ContentError naming the list and the word."""
    top = Fields(path, "file", read_yaml(path))
    top.unknown({*_LISTS, "short_forms"})
    lists = {name: _words(top, name) for name in _LISTS}
    for name, other in (("common", "off_topic"), ("stopwords", "off_topic")):
        for word in sorted(lists[name] & lists[other]):
            raise ContentError(path, f"'{word}' is also in '{other}'", name, name)
    return WordLists(**lists, short_forms=_short_forms(top))


def _words(top: Fields, name: str) -> frozenset[str]:
    holder = Fields(top.path, name, {name: top.data.get(name)})
    words = holder.texts(name, required=True)
    for i, word in enumerate(words):
        if not _WORD.match(fold(word)):
            raise holder.error(f"{name}[{i}]", f"'{word}' must be one word of letters")
    return frozenset(fold(w) for w in words)


def _short_forms(top: Fields) -> dict[str, str]:
    raw = top.mapping("short_forms")
    forms = Fields(top.path, "short_forms", raw)
    out = {}
    for key in raw:
        if not _TOKEN.match(fold(str(key))):
            raise forms.error(str(key), "a short form must be one word of letters or digits")
        out[fold(str(key))] = forms.text(str(key)).lower()
    return out
