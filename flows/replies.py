"""What a conversation step says: replies with buttons, independent of Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Button:
    """An inline button: its label and the action it triggers (at most 64 bytes)."""

    label: str
    action: str


class KeyboardKind(StrEnum):
    """What a reply-keyboard button does."""

    TEXT = "text"
    CONTACT = "contact"


@dataclass(frozen=True)
class Key:
    """A reply-keyboard button (under the text box), e.g. one that shares the phone number."""

    label: str
    kind: KeyboardKind = KeyboardKind.TEXT


@dataclass(frozen=True)
class Reply:
    """One message to the client.

    `edit` replaces the message whose button was pressed instead of sending a new one;
    `keys` shows a reply keyboard; `remove_keys` hides one shown before.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    keys: tuple[tuple[Key, ...], ...] = ()
    remove_keys: bool = False
    edit: bool = False


def rows(buttons: list[Button], per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Arrange buttons into rows of `per_row`."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
