"""The client's own requests, pure: what /status shows, withdrawing one, /book with one open."""

from __future__ import annotations

from dataclasses import dataclass

from flows.events import Step, WithdrawRequest
from flows.known import Known, OwnRequest
from flows.messages import Messages, plain
from flows.my_appointments import MyAppointments
from flows.replies import Button, Reply
from flows.state import Conversation, RequestKind

_PREFIX = "my"
ASK_WITHDRAW = "wd"  # show "withdraw #N?" with yes and no
WITHDRAW = "wdy"  # yes, withdraw #N
KEEP = "keep"
NEW = "new"  # /book with a request open: add another
CHANGE = "chg"  # /book with a request open: tell staff what to change in #N


def my_action(verb: str, number: int | None = None) -> str:
    """Return the data of a button about the client's own requests."""
    return f"{_PREFIX}:{verb}" + (f":{number}" if number is not None else "")


def parse_my_action(data: str) -> tuple[str, int | None] | None:
    """Read such a button's data: the verb and the request number, if any."""
    prefix, _, rest = data.partition(":")
    verb, _, number = rest.partition(":")
    if prefix != _PREFIX or not verb:
        return None
    if number and not number.isdigit():
        return None
    return verb, int(number) if number else None


@dataclass(frozen=True)
class OwnRequests:
    """What the client hears about their own requests."""

    messages: Messages
    appointments: MyAppointments | None = None

    def asks_about(self, text: str) -> bool:
        """Say whether a typed message asks about the client's requests ("did you get it?")."""
        padded = f" {plain(text)} "
        return any(f" {phrase} " in padded for phrase in self.messages.request_words)

    def status(self, state: Conversation, known: Known) -> Step:
        """List the client's confirmed appointments still ahead (with Cancel and Move
        buttons) and open requests and where each stands (with Withdraw buttons)."""
        m = self.messages
        if not known.requests and not known.appointments:
            book = Button(m.button("book"), "book")
            return Step(state, (Reply(m.text("my_none"), ((book,),)),))
        lines = [m.text("my_list")]
        buttons: list[tuple[Button, ...]] = []
        if self.appointments is not None:
            booked, moves = self.appointments.status_lines(known)
            lines += booked
            buttons += moves
        for req in known.requests:
            lines.append(f"• #{req.number} {self._kind(req)}: {m.text('my_' + req.status.value)}")
            label = m.button("withdraw", request_no=str(req.number))
            buttons.append((Button(label, my_action(ASK_WITHDRAW, req.number)),))
        buttons.append((Button(m.button("staff"), "staff"),))
        return Step(state, (Reply("\n".join(lines), tuple(buttons)),))

    def press(self, state: Conversation, known: Known, verb: str, number: int | None) -> Step:
        """Handle a tap on Withdraw, its confirmation, or Keep."""
        m = self.messages
        mine = next((r for r in known.requests if r.number == number), None)
        if verb == KEEP:
            return Step(state, (Reply(m.text("my_kept"), edit=True),))
        if mine is None:
            # Closed meanwhile (confirmed, declined, withdrawn) or never the client's.
            return self.status(state, known)
        n = str(mine.number)
        if verb == ASK_WITHDRAW:
            buttons = (
                (Button(m.button("withdraw_yes"), my_action(WITHDRAW, mine.number)),),
                (Button(m.button("withdraw_no"), my_action(KEEP)),),
            )
            return Step(state, (Reply(m.text("my_withdraw_ask", request_no=n), buttons),))
        if verb == WITHDRAW:
            done = Reply(m.text("my_withdrawn", request_no=n), edit=True)
            return Step(state, (done,), (WithdrawRequest(mine.number),))
        return self.status(state, known)

    def before_booking(self, state: Conversation, known: Known) -> Step:
        """/book with a request open: add another, or tell staff what to change in it."""
        m = self.messages
        latest = known.requests[-1]
        n = str(latest.number)
        buttons = (
            (Button(m.button("book_another"), my_action(NEW)),),
            (Button(m.button("change_request", request_no=n), my_action(CHANGE, latest.number)),),
            (Button(m.button("keep_request"), my_action(KEEP)),),
        )
        return Step(state, (Reply(m.text("my_book_again", request_no=n), buttons),))

    def _kind(self, req: OwnRequest) -> str:
        key = "my_callback" if req.kind is RequestKind.CALLBACK else "my_booking"
        return self.messages.text(key)
