"""Talking to staff, pure: when the team replies, and a thread that follows the client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config.content import Content
from flows.events import Client, Command
from flows.state import Conversation, Stage

ANN = Client(7, 7, "Ann", "ann_s")


@pytest.mark.parametrize(
    ("now", "said"),
    [
        # Times in UTC; London is on GMT in November. Sunday is closed.
        (datetime(2026, 11, 29, 15, 0, tzinfo=UTC), "when we open tomorrow at 09:00"),
        (datetime(2026, 11, 24, 21, 30, tzinfo=UTC), "when we open tomorrow at 09:00"),
        (datetime(2026, 11, 24, 7, 15, tzinfo=UTC), "when we open today at 09:00"),
        (datetime(2026, 11, 28, 17, 0, tzinfo=UTC), "when we open Monday at 09:00"),
    ],
)
def test_talk_to_staff_out_of_hours_says_when_the_team_will_reply(
    content: Content, now: datetime, said: str
) -> None:
    step = content.desk.handle(Conversation(), ANN, Command("staff"), now)
    assert step.state.stage is Stage.HANDOFF
    (reply,) = step.replies
    assert "Type your message for our team" in reply.text
    assert f"We're closed now; the team will reply {said}." in reply.text


def test_talk_to_staff_while_open_says_nothing_about_hours(content: Content) -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    (reply,) = content.desk.handle(Conversation(), ANN, Command("staff"), now).replies
    assert "closed" not in reply.text
