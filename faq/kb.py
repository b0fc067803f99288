"""Load and validate the FAQ knowledge base into frozen dataclasses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from contentfile import ContentError, Fields, check_template, fill, read_yaml
from faq.text import Normaliser
from faq.words import DEFAULT_WORDS_FILE, WordLists, load_word_lists

DEFAULT_KB_FILE = Path(__file__).with_name("knowledge_base.yaml")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_TITLE_MAX = 40
# Below this many alternates an entry is answered only when a message is close to its
# wording: the decision asks more of entries the base says little about (faq/tuning.py).
FEW_ALTERNATES = 5


class FollowUp(StrEnum):
    """An action offered as a button under an answer."""

    BOOK = "book"
    TALK_TO_STAFF = "talk_to_staff"
    TOPICS = "topics"


@dataclass(frozen=True)
class Entry:
    """One FAQ: how clients ask it and what the bot answers."""

    id: str
    title: str
    question: str
    alternates: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    follow_up: FollowUp | None = None


@dataclass(frozen=True)
class SmallTalk:
    """A greeting, thanks or goodbye, recognised so it is not matched against the FAQ."""

    id: str
    phrases: tuple[str, ...]
    reply: str


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated knowledge base with clinic details filled into the answers."""

    entries: tuple[Entry, ...]
    aliases: Mapping[str, str]  # the word lists' short forms with the clinic's own
    synonyms: tuple[tuple[str, ...], ...]
    smalltalk: tuple[SmallTalk, ...]
    words: WordLists

    def get(self, entry_id: str) -> Entry | None:
        """Return the entry with this id, if any."""
        return next((e for e in self.entries if e.id == entry_id), None)


def load_knowledge_base(
    path: Path | str = DEFAULT_KB_FILE,
    values: Mapping[str, str] | None = None,
    words_file: Path | str = DEFAULT_WORDS_FILE,
) -> KnowledgeBase:
    """Read, validate and fill the knowledge base; raise ContentError naming what is wrong."""
    values = values or {}
    words = load_word_lists(words_file)
    top = Fields(path, "file", read_yaml(path))
    top.unknown({"aliases", "synonyms", "smalltalk", "entries"})
    raw_entries = top.data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise top.error("entries", "must be a non-empty list of FAQ entries")
    entries: list[Entry] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_entries):
        entry = _entry(path, i, raw, values)
        if entry.id in seen:
            raise ContentError(path, "duplicate id", entry.id, "id")
        seen.add(entry.id)
        entries.append(entry)
    return KnowledgeBase(
        entries=tuple(entries),
        aliases={**words.short_forms, **_aliases(top)},
        synonyms=_synonyms(top),
        smalltalk=_smalltalk(path, top, values),
        words=words,
    )


def thin_entries(kb: KnowledgeBase, least: int = FEW_ALTERNATES) -> list[Entry]:
    """Return the entries with fewer than `least` alternates (answered only when sure)."""
    return [entry for entry in kb.entries if len(entry.alternates) < least]


def _entry(path: Path | str, index: int, raw: object, values: Mapping[str, str]) -> Entry:
    name = f"#{index + 1}"
    if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
        name = raw["id"]
    fields = Fields(path, name, raw)
    fields.unknown({"id", "title", "question", "alternates", "keywords", "answer", "follow_up"})
    entry_id = fields.text("id")
    if not _ID.match(entry_id):
        raise fields.error("id", "must be lowercase words joined by hyphens, e.g. 'opening-hours'")
    title = fields.text("title")
    if len(title) > _TITLE_MAX:
        raise fields.error("title", f"must be at most {_TITLE_MAX} characters (it is a button)")
    answer = fields.text("answer")
    check_template(fields, "answer", answer, values)
    follow_up = None
    if "follow_up" in fields.data:
        raw_action = fields.text("follow_up")
        try:
            follow_up = FollowUp(raw_action)
        except ValueError:
            allowed = ", ".join(f.value for f in FollowUp)
            raise fields.error("follow_up", f"must be one of: {allowed}") from None
    return Entry(
        id=entry_id,
        title=title,
        question=fields.text("question"),
        alternates=fields.texts("alternates", required=True),
        keywords=fields.texts("keywords"),
        answer=fill(answer, values).strip(),
        follow_up=follow_up,
    )


def _aliases(top: Fields) -> dict[str, str]:
    raw = top.mapping("aliases", required=False)
    aliases = Fields(top.path, "aliases", raw)
    return {str(key).lower(): aliases.text(str(key)).lower() for key in raw}


def _synonyms(top: Fields) -> tuple[tuple[str, ...], ...]:
    raw = top.data.get("synonyms") or []
    if not isinstance(raw, list):
        raise top.error("synonyms", "must be a list of word groups")
    groups = []
    for i, group in enumerate(raw):
        holder = Fields(top.path, f"synonyms[{i}]", {"words": group})
        words = holder.texts("words", required=True)
        if len(words) < 2:
            raise holder.error("words", "a synonym group needs at least two words")
        groups.append(tuple(w.lower() for w in words))
    for index, phrase, other in Normaliser({}, []).conflicts(groups):
        holder = Fields(top.path, f"synonyms[{index}]", {})
        raise holder.error("words", f"'{phrase}' matches the same as {other}")
    return tuple(groups)


def _smalltalk(path: Path | str, top: Fields, values: Mapping[str, str]) -> tuple[SmallTalk, ...]:
    raw = top.data.get("smalltalk") or []
    if not isinstance(raw, list):
        raise top.error("smalltalk", "must be a list")
    out = []
    for i, item in enumerate(raw):
        name = item.get("id", f"#{i + 1}") if isinstance(item, Mapping) else f"#{i + 1}"
        fields = Fields(path, f"smalltalk {name}", item)
        fields.unknown({"id", "phrases", "reply"})
        reply = fields.text("reply")
        check_template(fields, "reply", reply, values)
        out.append(
            SmallTalk(
                fields.text("id"), fields.texts("phrases", required=True), fill(reply, values)
            )
        )
    return tuple(out)


__all__ = [
    "DEFAULT_KB_FILE",
    "FEW_ALTERNATES",
    "ContentError",
    "Entry",
    "FollowUp",
    "KnowledgeBase",
    "SmallTalk",
    "WordLists",
    "load_knowledge_base",
    "thin_entries",
]
