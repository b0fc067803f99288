"""The health-check questionnaire: load it, and work out the outcome of the answers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from contentfile import ContentError, Fields, check_template, fill, read_yaml

DEFAULT_SCREENING_FILE = Path(__file__).with_name("screening.yaml")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_MESSAGES = ("urgent_emergency", "urgent_limb", "unsure_urgent", "disclaimer", "unwell_note")
_LABEL_MAX = 60


class Level(IntEnum):
    """How much a flag matters; the highest one answered is the outcome."""

    CLEAR = 0
    CAUTION = 1
    CLEARANCE = 2
    URGENT = 3

    @property
    def word(self) -> str:
        """Return the level in capitals, as staff see it."""
        return self.name


@dataclass(frozen=True)
class Item:
    """One health-check item: a button the client can tick."""

    id: str
    level: Level
    label: str
    question: str = ""
    message: str = ""
    note: str = ""


@dataclass(frozen=True)
class Checklist:
    """A group of items asked in one message."""

    id: str
    intro: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Questionnaire:
    """The validated health check, with the clinic's numbers filled into its messages."""

    checklists: tuple[Checklist, ...]
    unsure: Item
    messages: Mapping[str, str]
    unsure_urgent: Item

    def item(self, item_id: str) -> Item | None:
        """Return the item with this id (including the 'not sure' flags)."""
        for unsure in (self.unsure, self.unsure_urgent):
            if item_id == unsure.id:
                return unsure
        return next((i for c in self.checklists for i in c.items if i.id == item_id), None)

    def outcome(self, flags: Iterable[str]) -> Level:
        """Return the highest level among the flagged items (CLEAR when none)."""
        levels = [item.level for f in flags if (item := self.item(f)) is not None]
        return max(levels, default=Level.CLEAR)

    def labels(self, flags: Iterable[str]) -> list[str]:
        """Return the labels of flagged items, highest level first."""
        items = [item for f in flags if (item := self.item(f)) is not None]
        return [i.label for i in sorted(items, key=lambda i: -i.level)]


def load_questionnaire(
    path: Path | str = DEFAULT_SCREENING_FILE, values: Mapping[str, str] | None = None
) -> Questionnaire:
    """Read and validate the questionnaire; raise ContentError naming file, entry and field."""
    values = values or {}
    top = Fields(path, "file", read_yaml(path))
    top.unknown({"checklists", "unsure", "unsure_urgent", "messages"})
    messages_in = Fields(path, "messages", top.mapping("messages"))
    messages_in.unknown(set(_MESSAGES))
    messages = {}
    for name in _MESSAGES:
        template = messages_in.text(name)
        check_template(messages_in, name, template, values)
        messages[name] = fill(template, values)
    raw = top.data.get("checklists")
    if not isinstance(raw, list) or not raw:
        raise top.error("checklists", "must be a non-empty list")
    checklists = tuple(_checklist(path, i, c, messages) for i, c in enumerate(raw))
    unsure, unsure_urgent = (
        _item(path, Fields(path, name, top.mapping(name)), messages, needs_question=False)
        for name in ("unsure", "unsure_urgent")
    )
    if unsure_urgent.level is Level.URGENT or not unsure_urgent.message:
        raise ContentError(
            path, "must be clearance or caution, with a message", "unsure_urgent", "level"
        )
    ids = [i.id for c in checklists for i in c.items] + [unsure.id, unsure_urgent.id]
    for item_id in ids:
        if ids.count(item_id) > 1:
            raise ContentError(path, "duplicate id", item_id, "id")
    if any(i.level is Level.URGENT for c in checklists[1:] for i in c.items):
        raise ContentError(path, "urgent items belong in the first checklist", checklists[0].id)
    return Questionnaire(checklists, unsure, messages, unsure_urgent)


def _checklist(path: Path | str, index: int, raw: object, messages: Mapping[str, str]) -> Checklist:
    name = raw.get("id") if isinstance(raw, Mapping) else None
    fields = Fields(path, f"checklist {name or index + 1}", raw)
    fields.unknown({"id", "intro", "items"})
    items_raw = fields.data.get("items")
    if not isinstance(items_raw, list) or not items_raw:
        raise fields.error("items", "must be a non-empty list")
    items = tuple(
        _item(path, Fields(path, _item_name(r, i), r), messages) for i, r in enumerate(items_raw)
    )
    return Checklist(fields.text("id"), fields.text("intro"), items)


def _item(
    path: Path | str, fields: Fields, messages: Mapping[str, str], *, needs_question: bool = True
) -> Item:
    fields.unknown({"id", "level", "label", "question", "message", "note"})
    item_id = fields.text("id")
    if not _ID.match(item_id):
        raise fields.error("id", "must be lowercase letters, digits and underscores")
    try:
        level = Level[fields.text("level").upper()]
    except KeyError:
        raise fields.error("level", "must be one of: urgent, clearance, caution") from None
    if level is Level.CLEAR:
        raise fields.error("level", "must be one of: urgent, clearance, caution")
    label = fields.text("label")
    if len(label) > _LABEL_MAX:
        raise fields.error("label", f"must be at most {_LABEL_MAX} characters (it is a button)")
    message = fields.text("message", "")
    note = fields.text("note", "")
    for field, key in (("message", message), ("note", note)):
        if key and key not in messages:
            raise fields.error(field, f"names no message in 'messages': {key}")
    if level is Level.URGENT and not message:
        raise fields.error("message", "an urgent item needs the message shown when it is ticked")
    question = fields.text("question") if needs_question else fields.text("question", "")
    return Item(item_id, level, label, question, message, note)


def _item_name(raw: object, index: int) -> str:
    if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
        return str(raw["id"])
    return f"item {index + 1}"
