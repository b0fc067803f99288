"""Read YAML content files and report problems by file, entry and field.

Neutral ground: faq/, flows/ and bot/ all read their YAML through it, and it imports none
of them.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader when PyYAML has it (about ten times faster), the same safe loading.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContentError(Exception):
    """A content file is unreadable or invalid; the message names file, entry and field."""

    def __init__(self, path: Path | str, message: str, entry: str = "", field: str = "") -> None:
        where = [str(path)]
        if entry:
            where.append(f"entry '{entry}'")
        if field:
            where.append(f"field '{field}'")
        super().__init__(f"{': '.join(where)}: {message}")
        self.path = str(path)
        self.entry = entry
        self.field = field


def read_yaml(path: Path | str) -> Any:
    """Parse a YAML file, turning I/O and syntax problems into a ContentError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, f"cannot read the file ({exc.__class__.__name__})") from None
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        line, column, words = yaml_problem(exc, text)
        where = f" at line {line}, column {column}" if line else ""
        raise ContentError(path, f"invalid YAML{where}: {words}") from None


def yaml_problem(exc: yaml.YAMLError, text: str) -> tuple[int, int, str]:
    """Say where a YAML syntax error is (line and column from 1, or 0, 0) and what, plainly.

    The parser's own words ("expected <block end>, but found '<block mapping start>'",
    "did not find expected key") are for its authors; these are for whoever edits the file.
    """
    problem = str(getattr(exc, "problem", None) or "")
    context = str(getattr(exc, "context", None) or "")
    found = getattr(exc, "problem_mark", None)
    began = getattr(exc, "context_mark", None)
    if isinstance(exc, yaml.reader.ReaderError):
        line, column = _line_column(text, exc.position)
        return (
            line,
            column,
            (
                "a character a YAML file may not hold (an invisible control character, often "
                "pasted in with copied text): delete it"
            ),
        )
    if found is None:
        return 0, 0, "the file cannot be read as YAML"
    line, column = found.line + 1, found.column + 1
    at = f"line {began.line + 1}, column {began.column + 1}" if began is not None else ""
    here = _char(text, found.index)
    if "quoted scalar" in context and began is not None:
        return (
            began.line + 1,
            began.column + 1,
            ("this quote is never closed: end the value with the same quote mark it starts with"),
        )
    if "cannot start any token" in problem:
        if here == "\t":
            return line, column, "a tab: indent with spaces only"
        return (
            line,
            column,
            (f"a value cannot start with '{here}' in YAML: put the whole value in quotes"),
        )
    if "mapping values are not allowed" in problem:
        return (
            line,
            column,
            ("a ': ' inside a value: put the whole value in quotes (\"like: this\")"),
        )
    if "flow sequence" in context or "flow mapping" in context:
        opening, closing = ("[", "]") if "sequence" in context else ("{", "}")
        return (
            line,
            column,
            (
                f"the '{opening}' at {at} is not closed with '{closing}' before this (or an item "
                "in it needs quotes)"
            ),
        )
    if "simple key" in context and began is not None:
        return (
            began.line + 1,
            began.column + 1,
            ("this line is neither 'name: value' nor '- item' (is a ':' missing?)"),
        )
    if "alias" in problem or "anchor" in context or "alias" in context or "tag" in problem:
        return (
            line,
            column,
            (
                "'*', '&' and '!' at the start of a value mean something else in YAML: put the "
                "whole value in quotes"
            ),
        )
    if "single document" in problem or "document" in context:
        return line, column, "a second document ('---'): the file must hold one; remove it"
    if "block end" in problem or "expected key" in problem or "'-' indicator" in problem:
        start = text.count("\n", 0, found.index)
        indent = len(text.splitlines()[start]) - len(text.splitlines()[start].lstrip(" "))
        if found.column > indent:
            return (
                line,
                column,
                (
                    "more text after a value here: a quoted value ends at its closing quote, so "
                    "put the whole value in quotes (write a ' inside single quotes as '')"
                ),
            )
        return (
            line,
            column,
            (
                "this line does not line up with the lines above it: give it the same number of "
                "spaces at the start as the others at its level, and keep '- item' lines and "
                "'name: value' lines apart"
            ),
        )
    return (
        line,
        column,
        (
            "the file cannot be read as YAML from here (check the spaces at the start of the "
            "lines, and put values with : # [ { * & or quotes in them in quotes)"
        ),
    )


def _line_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _char(text: str, index: int) -> str:
    return text[index] if 0 <= index < len(text) else ""


class Fields:
    """Typed access to one mapping entry of a content file, with precise errors."""

    def __init__(self, path: Path | str, entry: str, data: object) -> None:
        self.path = path
        self.entry = entry
        if not isinstance(data, Mapping):
            raise ContentError(path, f"expected a mapping, got {_kind(data)}", entry)
        self.data: Mapping[str, Any] = data

    def error(self, field: str, message: str) -> ContentError:
        """Build an error about one field of this entry."""
        return ContentError(self.path, message, self.entry, field)

    def text(self, field: str, default: str | None = None) -> str:
        """Return a non-empty string field (numbers are accepted and turned into text)."""
        value = self.data.get(field)
        if value is None:
            if default is not None:
                return default
            raise self.error(field, "is missing")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(field, f"must be text, got {_kind(value)}")
        text = str(value).strip()
        if not text and default is None:
            raise self.error(field, "is empty")
        return text

    def texts(self, field: str, *, required: bool = False) -> tuple[str, ...]:
        """Return a list-of-strings field as a tuple."""
        value = self.data.get(field)
        if value is None:
            if required:
                raise self.error(field, "is missing")
            return ()
        if not isinstance(value, list):
            raise self.error(field, f"must be a list of text, got {_kind(value)}")
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                raise self.error(f"{field}[{i}]", f"must be text, got {_kind(item)}")
            if str(item).strip():
                out.append(str(item).strip())
        if required and not out:
            raise self.error(field, "must list at least one item")
        return tuple(out)

    def mapping(self, field: str, *, required: bool = True) -> Mapping[str, Any]:
        """Return a mapping field."""
        value = self.data.get(field)
        if value is None and not required:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(field, f"must be a mapping, got {_kind(value)}")
        return value

    def number(self, field: str, default: float | None = None) -> float:
        """Return a numeric field."""
        value = self.data.get(field)
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(field, f"must be a number, got {_kind(value)}")
        return float(value)

    def unknown(self, allowed: set[str]) -> None:
        """Reject fields that are not in `allowed` (catches typos in field names)."""
        for key in self.data:
            if key not in allowed:
                raise self.error(str(key), "is not a known field")


def placeholders_in(template: str) -> list[str]:
    """List the `{name}` placeholders used in a template."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError as exc:
        raise ValueError(f"bad braces ({exc})") from None


def fill(template: str, values: Mapping[str, str]) -> str:
    """Substitute `{name}` placeholders (dots allowed in names) from `values`."""
    out = []
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(literal)
        if name:
            out.append(values[name])
    return "".join(out)


def check_template(fields: Fields, field: str, template: str, known: Mapping[str, str]) -> None:
    """Raise a ContentError if `template` has bad braces or an unknown placeholder."""
    try:
        names = placeholders_in(template)
    except ValueError as exc:
        raise fields.error(field, str(exc)) from None
    for name in names:
        if name not in known:
            raise fields.error(field, f"unknown placeholder {{{name}}}")


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    return {
        "str": "text",
        "int": "a number",
        "float": "a number",
        "bool": "true/false",
        "list": "a list",
        "dict": "a mapping",
    }.get(type(value).__name__, type(value).__name__)
