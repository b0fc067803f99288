"""The client's own requests, pure: status, withdrawing, /book with one open, reuse."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config.content import Content
from flows import staff as rules
from flows.events import Client, Command, Press, Text, WithdrawRequest
from flows.known import Known, OwnRequest
from flows.own_requests import ASK_WITHDRAW, WITHDRAW, my_action
from flows.staff import RequestFacts, Status
from flows.state import Conversation, RequestKind, Stage

ANN = Client(7, 7, "Ann", "ann_s")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
OPEN = Known(requests=(OwnRequest(3, RequestKind.BOOKING, Status.NEEDS_NOTE),))


def test_typed_questions_about_a_request_get_the_status_not_the_booking_pitch(
    content: Content,
) -> None:
    for text in ("did you get my request?", "I want to cancel my request", "status of my booking"):
        step = content.desk.handle(Conversation(), ANN, Text(text), NOW, OPEN)
        (reply,) = step.replies
        assert "#3 appointment request: waiting for a note from your doctor" in reply.text, text
    none = content.desk.handle(Conversation(), ANN, Text("did you get my request?"), NOW)
    assert "can't see an open request" in none.replies[0].text


def test_withdraw_only_a_request_that_is_the_clients_and_still_open(content: Content) -> None:
    desk = content.desk
    ask = desk.handle(Conversation(), ANN, Press(my_action(ASK_WITHDRAW, 3)), NOW, OPEN)
    assert "Withdraw request #3?" in ask.replies[0].text and ask.effects == ()
    yes = desk.handle(Conversation(), ANN, Press(my_action(WITHDRAW, 3)), NOW, OPEN)
    assert yes.effects == (WithdrawRequest(3),)
    other = desk.handle(Conversation(), ANN, Press(my_action(WITHDRAW, 4)), NOW, OPEN)
    assert other.effects == (), "not one of the client's open requests"
    gone = desk.handle(Conversation(), ANN, Press(my_action(WITHDRAW, 3)), NOW, Known())
    assert gone.effects == () and "can't see an open request" in gone.replies[0].text


def test_book_with_a_request_open_asks_first_and_a_hold_still_wins(content: Content) -> None:
    step = content.desk.handle(Conversation(), ANN, Command("book"), NOW, OPEN)
    assert step.state.stage is Stage.IDLE
    assert "You already have request #3" in step.replies[0].text
    held = content.desk.handle(Conversation(hold=True), ANN, Command("book"), NOW, OPEN)
    assert "needs to speak with you" in held.replies[0].text


def test_a_second_request_offers_the_last_name_and_phone(content: Content) -> None:
    known = Known(last_details=("Ann Smith", "+447700900123"))
    step = content.desk.handle(Conversation(), ANN, Command("book"), NOW, known)
    assert (step.state.prev_name, step.state.prev_phone) == ("Ann Smith", "+447700900123")
    name_step = Conversation(
        stage=Stage.NAME, flow=1, prev_name="Ann Smith", prev_phone="+447700900123"
    )
    ask = content.desk.booking.current(name_step, ANN)
    assert "Last time you gave Ann Smith, 07700 900123" in ask.text
    data = next(b.action for row in ask.buttons for b in row if b.label.startswith("↩️ Use"))
    went = content.desk.handle(name_step, ANN, Press(data), NOW, known)
    assert went.state.stage is Stage.SERVICE
    assert (went.state.name, went.state.phone) == ("Ann Smith", "+447700900123")


def test_withdrawing_is_a_staff_rule_and_never_a_staff_button() -> None:
    open_booking = RequestFacts(3, RequestKind.BOOKING, "CLEAR", Status.OPEN)
    step = rules.withdraw(open_booking)
    assert rules.SetStatus(rules.StaffAction.WITHDRAW, Status.WITHDRAWN) in step.effects
    confirmed = RequestFacts(3, RequestKind.BOOKING, "CLEAR", Status.CONFIRMED)
    assert rules.withdraw(confirmed).effects == ()
    alert = RequestFacts(4, RequestKind.URGENT, "URGENT", Status.OPEN)
    assert rules.withdraw(alert).effects == ()
    assert rules.parse_button("st:3:withdraw") is None
