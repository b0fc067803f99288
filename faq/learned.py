"""Phrasings staff taught the bot, added to the knowledge base and written out as YAML. Pure.

Staff add a question the bot could not answer to an FAQ entry from the staff chat; it is
stored as a learned phrasing and used as one more alternate of that entry. `merge_into`
writes learned phrasings into the knowledge base's YAML text, keeping its comments and
layout: each goes at the end of its entry's `alternates` list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import yaml

from faq.kb import KnowledgeBase
from faq.text import fold

# A learned phrasing is one line of at most this many characters.
LEARNED_MAX = 300


@dataclass(frozen=True)
class Phrasing:
    """A question staff added to an entry."""

    entry_id: str
    text: str


class MergeError(Exception):
    """The knowledge base file's layout is not one merge_into can add alternates to."""


def tidy(text: str) -> str:
    """Return a question as a phrasing is kept: one line, single spaces, not too long."""
    return " ".join(text.split())[:LEARNED_MAX]


def new_phrasings(kb: KnowledgeBase, learned: Iterable[Phrasing]) -> list[Phrasing]:
    """Return the phrasings the base does not have yet, tidied, each once (compared
    folded); those for an entry the base no longer has are left out (see `unknown`)."""
    have = {e.id: {fold(p) for p in (e.question, *e.alternates)} for e in kb.entries}
    new: list[Phrasing] = []
    for phrasing in learned:
        text = tidy(phrasing.text)
        seen = have.get(phrasing.entry_id)
        if text and seen is not None and fold(text) not in seen:
            seen.add(fold(text))
            new.append(Phrasing(phrasing.entry_id, text))
    return new


def with_learned(kb: KnowledgeBase, learned: Iterable[Phrasing]) -> KnowledgeBase:
    """Return the knowledge base with learned phrasings as extra alternates of their entries
    (only those it does not have yet: `new_phrasings`)."""
    extra: dict[str, list[str]] = {}
    for phrasing in new_phrasings(kb, learned):
        extra.setdefault(phrasing.entry_id, []).append(phrasing.text)
    entries = tuple(
        replace(e, alternates=(*e.alternates, *extra[e.id])) if e.id in extra else e
        for e in kb.entries
    )
    return replace(kb, entries=entries)


def unknown(kb: KnowledgeBase, learned: Iterable[Phrasing]) -> list[Phrasing]:
    """Return the phrasings whose entry the knowledge base does not have (any more)."""
    return [p for p in learned if kb.get(p.entry_id) is None]


def as_yaml(learned: Sequence[Phrasing]) -> str:
    """Return the phrasings as `entries:` YAML, grouped by entry, to paste into a base."""
    lines = ["entries:"]
    for entry_id in dict.fromkeys(p.entry_id for p in learned):
        lines += [f"  - id: {entry_id}", "    alternates:"]
        lines += [f"      - {_scalar(p.text)}" for p in learned if p.entry_id == entry_id]
    return "\n".join(lines) + "\n"


def merge_into(text: str, learned: Sequence[Phrasing]) -> str:
    """Return the knowledge base's YAML text with each phrasing added to its entry.

    Comments and layout are kept: a phrasing goes on its own line after the entry's last
    alternate (an `alternates:` list is started after the question when the entry has
    none). Raises MergeError when an entry is not found or the result would not read back
    with exactly the phrasings added.
    """
    lines = text.splitlines(keepends=True)
    for phrasing in learned:
        lines = _insert(lines, phrasing)
    merged = "".join(lines)
    _verify(text, merged, learned)
    return merged


def _scalar(text: str) -> str:
    """Return text as a YAML scalar that reads back as the same string."""
    return json.dumps(tidy(text), ensure_ascii=False)


def _insert(lines: list[str], phrasing: Phrasing) -> list[str]:
    start = _entry_start(lines, phrasing.entry_id)
    indent = len(lines[start]) - len(lines[start].lstrip(" "))
    end = start + 1
    while end < len(lines) and not _ends_entry(lines[end], indent):
        end += 1
    field = indent + 2  # the entry's keys sit under "- id:"
    key_at = next(
        (i for i in range(start, end) if re.match(rf"^ {{{field}}}alternates:", lines[i])),
        None,
    )
    if key_at is None:
        question = next(
            (i for i in range(start, end) if re.match(rf"^ {{{field}}}question:", lines[i])),
            start,
        )
        item = f"{' ' * (field + 2)}- {_scalar(phrasing.text)}\n"
        return [*lines[: question + 1], f"{' ' * field}alternates:\n", item, *lines[question + 1 :]]
    last = key_at
    item_indent: int | None = None
    for i in range(key_at + 1, end):
        stripped = lines[i].lstrip(" ")
        depth = len(lines[i]) - len(stripped)
        if not stripped.strip() or stripped.startswith("#"):
            continue
        if depth <= field:
            break
        if item_indent is None and stripped.startswith("- "):
            item_indent = depth
        last = i
    if item_indent is None:
        raise MergeError(f"entry {phrasing.entry_id}: alternates is not a list of lines")
    item = f"{' ' * item_indent}- {_scalar(phrasing.text)}\n"
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    return [*lines[: last + 1], item, *lines[last + 1 :]]


def _entry_start(lines: list[str], entry_id: str) -> int:
    pattern = re.compile(rf"^\s*- id:\s*['\"]?{re.escape(entry_id)}['\"]?\s*(#.*)?$")
    for i, line in enumerate(lines):
        if pattern.match(line.rstrip("\n")):
            return i
    raise MergeError(f"entry {entry_id}: not found in the knowledge base file")


def _ends_entry(line: str, indent: int) -> bool:
    stripped = line.lstrip(" ")
    if not stripped.strip() or stripped.startswith("#"):
        return False
    return len(line) - len(stripped) <= indent


def _verify(before: str, after: str, learned: Sequence[Phrasing]) -> None:
    """Check the merged text reads back as the old base plus exactly these alternates."""
    old, new = _alternates(before), _alternates(after)
    expected = {key: list(value) for key, value in old.items()}
    for phrasing in learned:
        expected.setdefault(phrasing.entry_id, []).append(tidy(phrasing.text))
    if new != expected:
        raise MergeError("the merged file would not read back as expected; nothing was written")


def _alternates(text: str) -> dict[str, list[str]]:
    data = yaml.safe_load(text)
    entries = data.get("entries", []) if isinstance(data, dict) else []
    return {
        str(e["id"]): [str(a) for a in (e.get("alternates") or [])]
        for e in entries
        if isinstance(e, dict) and "id" in e
    }
