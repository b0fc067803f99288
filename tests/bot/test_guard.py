"""The flood limit's bookkeeping: clients who went quiet are not remembered for ever."""

from __future__ import annotations

from bot.telegram.flood_guard import FloodGuard


def test_clients_gone_quiet_are_forgotten_but_a_flood_is_still_caught() -> None:
    now = [0.0]
    guard = FloodGuard(limit=3, window=10, warning="slow down", clock=lambda: now[0])
    for user in range(1000):
        assert guard.allow(user) is True
    now[0] = 60.0
    results = [guard.allow(7) for _ in range(5)]
    assert results == [True, True, True, None, False], "one warning, then silence"
    assert len(guard._seen) <= 2, "the thousand quiet clients were dropped"
