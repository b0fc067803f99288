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


def pytest_configure(config: pytest.Config) -> None:
    """Before any worker starts, make sure the shipped content's saved copy exists.

    On a fresh machine every worker, and every bot process a test starts, would otherwise
    learn the safety model at the same moment (seconds each, all at once).
    """
    if not hasattr(config, "workerinput"):
        load_content(DEFAULT_CLINIC_FILE)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Run two test workers per core for `-n auto`.

    Much of the suite waits rather than computes (bots in their own processes, Telegram's
    rate limits and retries, a locked database): with one worker per core, the cores were
    idle about 40% of the time.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 * (cores or 1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the slow tests (marked `slow`) first, dealt to the heads of the workers' shares.

    pytest-xdist's work stealing hands each worker a run of consecutive tests and lets an
    idle worker take from the end of another's run; a long test left near the end (the
    real bot process killed and restarted) kept one worker busy for seconds after the
    others had finished. Every worker collects and orders the tests the same way.
    """
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    slow = sorted((i for i in items if i.get_closest_marker("slow")), key=_seconds, reverse=True)
    if workers > 1 and slow:
        rest = [item for item in items if not item.get_closest_marker("slow")]
        items[:] = _deal(slow, rest, workers)


def _seconds(item: pytest.Item) -> float:
    marker = item.get_closest_marker("slow")
    return float(marker.kwargs.get("seconds", 1)) if marker is not None else 0.0


def _deal(slow: list[pytest.Item], rest: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """The slowest first in each worker's share, the rest in their order after them."""
    share = (len(slow) + len(rest)) / workers
    ordered: list[pytest.Item] = []
    taken = 0
    for worker in range(workers):
        ordered.extend(slow[worker::workers])
        more = max(0, round((worker + 1) * share) - len(ordered))
        ordered.extend(rest[taken : taken + more])
        taken += more
    ordered.extend(rest[taken:])
    return ordered
