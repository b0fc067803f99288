"""Talking to staff, pure: when the team replies, and a thread that follows the client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config.content import Content
from flows import staff as staff_rules
from flows import thread
from flows.events import Client, Command, ForwardToStaff, Press, Text
from flows.known import Known
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


NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
QUIET = timedelta(hours=12)


def in_thread(content: Content) -> Conversation:
    return content.desk.handle(Conversation(), ANN, Command("staff"), NOON).state


def test_each_message_in_a_thread_goes_to_staff_until_the_client_types_menu(
    content: Content,
) -> None:
    state = in_thread(content)
    for text in ("2pm please", "how much is an hour?", "are you open on sunday?"):
        step = content.desk.handle(state, ANN, Text(text), NOON)
        assert step.effects == (ForwardToStaff(text),)
        assert step.replies[0].text.startswith("Sent ✅")
        state = step.state
    left = content.desk.handle(state, ANN, Text("menu"), NOON)
    assert left.effects == () and left.state.stage is Stage.IDLE
    assert "back with me" in left.replies[0].text
    answer = content.desk.handle(left.state, ANN, Text("how much is an hour?"), NOON)
    assert answer.effects == () and "£65" in answer.replies[0].text


def test_the_back_to_the_assistant_button_ends_the_thread(content: Content) -> None:
    step = content.desk.handle(in_thread(content), ANN, Press(thread.LEAVE), NOON)
    assert step.state.stage is Stage.IDLE and "back with me" in step.replies[0].text


def test_a_thread_lapses_after_the_quiet_time_since_its_last_message(content: Content) -> None:
    state = in_thread(content)
    state = content.desk.handle(state, ANN, Text("hello team"), NOON).state
    later = NOON + QUIET - timedelta(minutes=1)
    assert thread.is_open(state, later, QUIET)
    step = content.desk.handle(state, ANN, Text("still there?"), later)
    assert step.effects == (ForwardToStaff("still there?"),)
    after = later + QUIET
    assert thread.has_lapsed(step.state, after, QUIET)
    lapsed = content.desk.handle(step.state, ANN, Text("how much is an hour?"), after)
    assert lapsed.effects == ()
    assert "It's been a while" in lapsed.replies[0].text and "£65" in lapsed.replies[1].text


def test_a_reply_to_staff_mid_booking_is_forwarded_and_the_step_shown_again(
    content: Content,
) -> None:
    state = content.desk.handle(Conversation(), ANN, Command("book"), NOON).state
    assert state.stage is Stage.CONSENT
    step = content.desk.handle(state, ANN, Text("2pm please"), NOON, Known(reply_to_staff=True))
    assert step.effects == (ForwardToStaff("2pm please"),)
    assert step.state == state
    assert "Do you agree?" in step.replies[-1].text
    plain = content.desk.handle(state, ANN, Text("2pm please"), NOON)
    assert plain.effects == (), "without the reply it is not for staff"


def test_staff_writing_opens_a_thread_when_idle_and_leaves_a_request_alone() -> None:
    opened, said = thread.staff_wrote(Conversation(), NOON, QUIET)
    assert opened.stage is Stage.HANDOFF and said is thread.StaffWrote.OPENED
    again, said = thread.staff_wrote(opened, NOON + timedelta(hours=1), QUIET)
    assert said is thread.StaffWrote.GOING_ON and again.thread_at > opened.thread_at
    booking = Conversation(stage=Stage.NAME, flow=3)
    same, said = thread.staff_wrote(booking, NOON, QUIET)
    assert same == booking and said is thread.StaffWrote.IN_FLOW


def test_closing_a_thread_is_decided_by_the_staff_rules() -> None:
    step = staff_rules.close_thread(is_open=True)
    assert step.effects == (staff_rules.EndThread(), staff_rules.TellClient("thread_closed"))
    assert staff_rules.close_thread(is_open=False).effects == ()
    data = staff_rules.thread_button(17)
    assert staff_rules.parse_thread_button(data) == 17
    assert staff_rules.parse_button(data) is None
    assert staff_rules.parse_thread_button("st:thread:x") is None
