"""YAML syntax errors in plain words, with line and column, whichever parser PyYAML uses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from contentfile import ContentError, read_yaml, yaml_problem

CASES = [
    ("a:\n  b: 1\n c: 2\n", 3, 2, "does not line up"),
    ("- a\nb: 1\n", 2, 1, "does not line up"),
    ("a: b: c\n", 1, 5, "a ': ' inside a value"),
    ("a:\n\tb: 1\n", 2, 1, "a tab: indent with spaces only"),
    ('a: "unclosed\nb: 2\n', 1, 4, "this quote is never closed"),
    ("a: 'it's fine'\n", 1, 8, "more text after a value"),
    ("a: [1, 2\nb: 3\n", 2, 2, "the '[' at line 1, column 4 is not closed with ']'"),
    ("a: 1\njust text\nb: 2\n", 2, 1, "neither 'name: value' nor '- item'"),
    ("a: @home\n", 1, 4, "cannot start with '@'"),
    ("a: *star\n", 1, 4, "put the whole value in quotes"),
    ("a: \x07\n", 1, 4, "control character"),
]
LOADERS = [yaml.SafeLoader, *([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])]


@pytest.mark.parametrize("loader", LOADERS, ids=lambda loader: loader.__name__)
@pytest.mark.parametrize(("text", "line", "column", "words"), CASES)
def test_each_slip_is_placed_and_said_plainly(
    loader: type, text: str, line: int, column: int, words: str
) -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        yaml.load(text, Loader=loader)
    got_line, got_column, said = yaml_problem(caught.value, text)
    assert (got_line, got_column) == (line, column)
    assert words in said
    assert "<" not in said and "expected" not in said and "while" not in said


def test_read_yaml_puts_it_in_one_line_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text("entries:\n  - id: x\n    answer: hi\n   title: y\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        read_yaml(path)
    assert str(caught.value).startswith(f"{path}: invalid YAML at line 4, column 4: this line")
    assert "\n" not in str(caught.value)
