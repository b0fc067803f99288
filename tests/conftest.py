"""Shared fixtures: the shipped content, loaded once."""

from __future__ import annotations

import pytest

from bot.config.clinic import DEFAULT_CLINIC_FILE
from bot.config.content import Content, load_content


@pytest.fixture(scope="session")
def content() -> Content:
    """Return the shipped clinic example, knowledge base and messages."""
    return load_content(DEFAULT_CLINIC_FILE)
