"""The knowledge base indexed for matching: term weights, postings, keyword ownership."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from faq.classifier import NaiveBayes, features
from faq.kb import Entry, KnowledgeBase
from faq.text import Normaliser, everyday_words, segments
from faq.tuning import Tuning


@dataclass(frozen=True)
class Doc:
    """One way of asking an entry (its question, an alternate or a keyword), as terms."""

    entry: int
    terms: frozenset[str]
    weight: float


@dataclass(frozen=True)
class Phrasing:
    """One text of an entry, analysed once: what it says and whether it is a way of asking."""

    entry: int
    text: str
    terms: tuple[str, ...]
    spelled: str
    asks: bool  # a question or an alternate: a message a client could send
    keyword: bool = False
    answer: bool = False  # a sentence of the answer: evidence for the classifier only


def texts_of(entry: Entry) -> list[str]:
    """Return every text that says what an entry is about."""
    return [entry.question, *entry.alternates, *entry.keywords]


def vocabulary_of(kb: KnowledgeBase) -> list[str]:
    """Return every word of the knowledge base's phrasings and synonyms (with repeats)."""
    bare = Normaliser(kb.aliases, kb.synonyms)
    texts = [t for e in kb.entries for t in texts_of(e)]
    texts += [phrase for group in kb.synonyms for phrase in group]
    return [w for t in texts for w in bare.words(t, correct=False)]


class Index:
    """Precomputed lookups so that scoring a message touches only the terms it contains."""

    def __init__(
        self,
        kb: KnowledgeBase,
        tuning: Tuning,
        keep: frozenset[str] = frozenset(),
    ) -> None:
        words = kb.words
        self.tuning = tuning
        self.entries = len(kb.entries)
        self.normaliser = Normaliser(
            kb.aliases,
            kb.synonyms,
            vocabulary_of(kb),
            words.common | (everyday_words(tuning.everyday_words) - words.off_topic),
            words.off_topic,
            keep,
            words.stopwords,
            tuning,
        )
        self.phrasings = self._analyse(kb)
        self._tables(range(len(self.phrasings)))

    def ways_of_asking(self) -> list[int]:
        """Return, for each entry, how many different ways of asking it the base holds."""
        distinct = {(p.entry, frozenset(p.terms)) for p in self.phrasings if p.asks and p.terms}
        counts = [0] * self.entries
        for entry, _ in distinct:
            counts[entry] += 1
        return counts

    def _analyse(self, kb: KnowledgeBase) -> list[Phrasing]:
        out = []
        norm = self.normaliser
        for i, entry in enumerate(kb.entries):
            asking = {entry.question, *entry.alternates}
            keywords = set(entry.keywords)
            for text in texts_of(entry):
                terms = tuple(norm.terms(text, correct=False))
                spelled = " ".join(norm.words(text, correct=False))
                out.append(Phrasing(i, text, terms, spelled, text in asking, text in keywords))
            for sentence in segments(entry.answer):
                terms = tuple(norm.terms(sentence, correct=False))
                out.append(Phrasing(i, sentence, terms, "", asks=False, answer=True))
        return out

    def _tables(self, kept: Iterable[int]) -> None:
        tuning = self.tuning
        chosen = [self.phrasings[i] for i in kept]
        doc_terms: list[tuple[int, frozenset[str]]] = []
        spelled: dict[tuple[int, frozenset[str]], str] = {}
        examples: list[tuple[int, frozenset[str], float]] = []
        vocab_of: list[set[str]] = [set() for _ in range(self.entries)]
        keys_of: list[set[str]] = [set() for _ in range(self.entries)]
        for p in chosen:
            if not p.terms:
                continue
            if p.answer:
                examples.append((p.entry, frozenset(features(p.terms)), tuning.answer_examples))
                continue
            terms = frozenset(p.terms)
            doc_terms.append((p.entry, terms))
            spelled.setdefault((p.entry, terms), p.spelled)
            examples.append((p.entry, frozenset(features(p.terms)), 1.0))
            vocab_of[p.entry] |= terms
            if p.keyword:
                keys_of[p.entry] |= terms
        df = Counter(t for terms in vocab_of for t in terms)
        n = self.entries
        # Rare terms say more: a smoothed inverse document frequency over entries.
        self.idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        # The classifier learns from every phrasing; matching needs each wording once.
        self.classifier = NaiveBayes.train(examples, n, tuning.smoothing)
        self.docs = [
            Doc(i, terms, sum(self.idf[t] for t in terms)) for i, terms in dict.fromkeys(doc_terms)
        ]
        owners_of: dict[frozenset[str], set[int]] = defaultdict(set)
        for doc in self.docs:
            owners_of[doc.terms].add(doc.entry)
        # The entries with a phrasing made of exactly these terms.
        self.exact = {terms: tuple(sorted(found)) for terms, found in owners_of.items()}
        # Each phrasing's entry, spelling and weight as plain lists, for the scoring loop.
        self.doc_entry = [doc.entry for doc in self.docs]
        self.doc_text = [spelled[doc.entry, doc.terms] for doc in self.docs]
        self.doc_weight = [doc.weight for doc in self.docs]
        self.postings: dict[str, list[int]] = defaultdict(list)
        for d, doc in enumerate(self.docs):
            for term in doc.terms:
                self.postings[term].append(d)
        # An entry "owns" the terms of its keywords fully, the rest of its terms partly.
        self.owners: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, vocab in enumerate(vocab_of):
            for term in vocab:
                self.owners[term].append((i, 1.0 if term in keys_of[i] else tuning.non_keyword))
