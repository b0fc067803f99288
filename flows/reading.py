"""What a typed message says on its own, read before its chat's state is known; pure.

Reading a message (the safety check, the knowledge base) depends on its text alone, so
the service reads it before it opens the chat's transaction: the database is then held
only for the chat's own reads and writes, not for the matching too.
"""

from __future__ import annotations

from dataclasses import dataclass

from faq.matcher import Decision
from flows.safety import Assessment


@dataclass(frozen=True)
class Reading:
    """A typed message, read: safety kinds, the FAQ decision, and each question's."""

    text: str
    found: Assessment  # what the safety check found
    decision: Decision  # the knowledge base's answer to the whole message
    # Each question's decision, when the message asks two or more (else empty).
    parts: tuple[tuple[str, Decision], ...]
    health: bool  # the message speaks of the body or health at all
