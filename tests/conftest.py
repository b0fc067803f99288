"""Shared fixtures: the shipped content, loaded once."""

from __future__ import annotations

import os

import pytest

from bot.config.clinic import DEFAULT_CLINIC_FILE
from bot.config.content import Content, load_content


@pytest.fixture(scope="session")
def content() -> Content:
    """Return the shipped clinic example, knowledge base and messages."""
    return load_content(DEFAULT_CLINIC_FILE)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Run two test workers per core for `-n auto`.

    Much of the suite waits rather than computes (bots in their own processes, Telegram's
    rate limits and retries, a locked database): with one worker per core, the cores were
    idle about 40% of the time.
    """
    return 2 * len(os.sched_getaffinity(0))
