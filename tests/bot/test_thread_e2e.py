"""A conversation with staff through Telegram: out of hours, a thread in both directions."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.bot.conftest import Clock, Running
from tests.bot.driver import Person

ASK = "Type your message for our team"


async def test_talk_to_staff_on_a_sunday_says_the_team_replies_on_monday(
    clocked: Running, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)  # Sunday: the demo clinic is closed
    ann = Person(clocked.api, 42, "Ann")
    ask = await ann.say("/staff", ASK)
    assert "We're closed now; the team will reply when we open tomorrow at 09:00." in ask.text
    clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday morning: open
    again = await ann.say("/staff", ASK)
    assert "closed" not in again.text
