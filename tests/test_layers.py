"""The layers of docs/architecture.md hold: each package imports only the ones below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What each layer must never import (a prefix of a module name).
FORBIDDEN = {
    "contentfile": ("bot", "faq", "flows", "telegram", "aiosqlite", "sqlite3"),
    "faq": ("bot", "flows", "telegram", "aiosqlite", "sqlite3"),
    "flows": ("bot", "telegram", "aiosqlite", "sqlite3"),
    "bot/store": ("bot.services", "bot.telegram", "bot.cli", "bot.console", "telegram"),
    "bot/config": ("bot.services", "bot.telegram", "bot.store", "bot.cli", "telegram"),
    "bot/services": ("bot.telegram", "bot.cli", "bot.console"),
    "bot/telegram": ("bot.cli", "bot.console"),
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_never_imports_the_layers_above_it(layer: str) -> None:
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files, f"no modules in {layer}"
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in sorted(imports_of(path))
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer])
    ]
    assert wrong == []
