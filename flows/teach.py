"""Staff teach the bot from /unanswered: the review buttons and what each does. Pure.

/unanswered shows one question at a time, most asked first, with buttons: *Add to* the
likely entries, *Other entry…* (every entry, a page at a time), *Ignore* and *Next*.
Adding stores the question as a learned phrasing of the entry and takes it off the list;
ignoring takes it off the list for good. The client who asked is never contacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Callback data: "st:t<action>:<question>:<position>:<entry or page>", at most 64 bytes.
_PREFIX = "st:t"
DATA_MAX = 64
# Likely entries offered first, and entries on one page of the full list.
LIKELY = 3
PAGE = 8


class TeachAction(StrEnum):
    """A button on the review card of an unanswered question."""

    SHOW = "u"  # show the question at a position in the list (Next, Back)
    ADD = "a"  # add the question to an entry
    IGNORE = "i"  # do not offer the question again
    LIST = "l"  # show a page of every entry to add it to


@dataclass(frozen=True)
class TeachButton:
    """What a review button stands for."""

    action: TeachAction
    question: int  # a row id of the question (0 for SHOW)
    position: int  # where the card is in the list: the card shown next stays there
    arg: str = ""  # the entry id (ADD) or the page (LIST)


def button_data(button: TeachButton) -> str:
    """Return the callback data of a review button."""
    b = button
    return f"{_PREFIX}{b.action.value}:{b.question}:{b.position}:{b.arg}"


def parse_button(data: str) -> TeachButton | None:
    """Read a review button's data; None if it is not one."""
    if not data.startswith(_PREFIX):
        return None
    action, _, rest = data.removeprefix(_PREFIX).partition(":")
    question, _, rest = rest.partition(":")
    position, _, arg = rest.partition(":")
    if action not in {a.value for a in TeachAction}:
        return None
    if not question.isdigit() or not position.isdigit() or len(position) > 6:
        return None
    kind = TeachAction(action)
    if (kind is TeachAction.LIST and not arg.isdigit()) or (kind is TeachAction.ADD and not arg):
        return None
    return TeachButton(kind, int(question), int(position), arg)


def fits(entry_id: str) -> bool:
    """Say whether an entry id fits in an Add button's data (with any question id)."""
    longest = TeachButton(TeachAction.ADD, 10**12, 10**6, entry_id)
    return len(button_data(longest).encode()) <= DATA_MAX


def likely_entries(
    ranked: Sequence[str], best_guess: str | None, answered: str | None, known: Sequence[str]
) -> list[str]:
    """Return the entries to offer first: the best guess, then the matcher's ranking.

    The entry a client said was not what they asked is never offered; nor is an entry the
    knowledge base no longer has.
    """
    order = [best_guess, *ranked] if best_guess else list(ranked)
    offered = [e for e in dict.fromkeys(order) if e and e != answered and e in known]
    return [e for e in offered if fits(e)][:LIKELY]


def page_of(entries: Sequence[str], page: int) -> tuple[list[str], int]:
    """Return the entries on a page of the full list (clamped to the last page) and the page."""
    usable = [e for e in entries if fits(e)]
    last = max(0, (len(usable) - 1) // PAGE)
    page = min(max(page, 0), last)
    return usable[page * PAGE : (page + 1) * PAGE], page


def pages(entries: Sequence[str]) -> int:
    """Return how many pages the full list of entries takes."""
    return max(1, -(-len([e for e in entries if fits(e)]) // PAGE))


def position_after(position: int, total: int) -> int:
    """Return the position to show after a question left the list (the same place, or the
    first when it was the last)."""
    return position if position < total else 0
