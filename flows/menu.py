"""The main menu: the three things a client can always do; pure."""

from __future__ import annotations

from flows.messages import Messages
from flows.replies import Button, Reply, rows


def menu(messages: Messages, text: str) -> Reply:
    """Return a message with the main menu buttons: ask, book, talk to staff."""
    return Reply(text, rows([Button(messages.button(k), k) for k in ("ask", "book", "staff")]))
