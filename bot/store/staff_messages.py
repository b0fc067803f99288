"""Staff-chat messages about a request or a client's message: find them, and redact them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.store.database import Transaction

# A Bot API call for the staff chat: method, payload, outbox purpose, outbox ref.
StaffCall = tuple[str, dict[str, Any], str, int | None]
REQUEST = "request"
HANDOFF = "handoff"


async def staff_messages_of(tx: Transaction, kind: str, ref: int) -> list[tuple[int, int]]:
    """Return the staff-chat messages (chat, message id) about one request or handoff."""
    rows = await tx.db.execute_fetchall(
        "SELECT chat_id, message_id FROM staff_messages WHERE kind = ? AND ref = ? ORDER BY rowid",
        (kind, ref),
    )
    return [(int(r[0]), int(r[1])) for r in rows]


async def redact_staff_messages(
    tx: Transaction, kind: str, refs: list[int], line: Callable[[int], str]
) -> list[StaffCall]:
    """Return edits that replace every staff message about these refs with one line.

    The message ids are forgotten with them: what they were about is being deleted.
    Without `reply_markup`, an edit also takes the message's buttons away.
    """
    calls: list[StaffCall] = []
    for ref in refs:
        for chat_id, message_id in await staff_messages_of(tx, kind, ref):
            payload = {"chat_id": chat_id, "message_id": message_id, "text": line(ref)}
            calls.append(("editMessageText", payload, "staff_edit", None))
        await tx.db.execute("DELETE FROM staff_messages WHERE kind = ? AND ref = ?", (kind, ref))
    return calls
