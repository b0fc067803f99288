"""Find likely typos in the knowledge base's own phrasings.

The matcher corrects a client's typo to the closest word the knowledge base uses. A
misspelt alternate ("massge") puts the typo itself into that vocabulary: the same typo
in a message is then left as it is and points only at the entry that holds it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from faq.kb import KnowledgeBase
from faq.text import Normaliser, english_frequencies
from faq.tuning import Tuning


@dataclass(frozen=True)
class Misspelling:
    """A word of one entry's field that looks like a typo of a commoner word."""

    entry: str
    field: str
    word: str
    suggestion: str


def likely_misspellings(kb: KnowledgeBase, tuning: Tuning | None = None) -> list[Misspelling]:
    """Return the phrasings' words that are not English and sit one typo from a commoner one."""
    tuning = tuning or Tuning()
    normaliser = Normaliser(kb.aliases, kb.synonyms, tuning=tuning)
    known = english_frequencies()
    fields = [
        (entry.id, name, [w for text in texts for w in normaliser.words(text, correct=False)])
        for entry in kb.entries
        for name, texts in (
            ("question", (entry.question,)),
            ("alternates", entry.alternates),
            ("keywords", entry.keywords),
        )
    ]
    counts = Counter(w for *_, words in fields for w in words)
    english = [w for w, _ in counts.most_common() if w in known]
    found: list[Misspelling] = []
    for entry, field, words in fields:
        for word in dict.fromkeys(words):
            if len(word) < tuning.typo_min_length or not word.isalpha() or word in known:
                continue
            limit = tuning.typo_edits(word)
            hit = process.extractOne(word, english, scorer=OSA.distance, score_cutoff=limit)
            if hit and counts[hit[0]] >= tuning.misspelling_rarer * counts[word]:
                found.append(Misspelling(entry, field, word, hit[0]))
    return found
