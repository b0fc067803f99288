"""Deleting a client's data on request (/forget), and keeping a held alert bare."""

from __future__ import annotations

import json
import logging

from bot.store.database import Transaction, now_iso
from bot.store.requests import FINAL_STATUSES
from bot.store.staff_messages import (
    HANDOFF,
    REQUEST,
    StaffCall,
    redact_staff_messages,
    staff_messages_of,
)

log = logging.getLogger(__name__)
ABOUT_REQUESTS = "purpose IN ('request', 'staff_edit', 'staff_action')"
_ON_REQUEST = "at the client's request"


async def forget_client(tx: Transaction, chat_id: int, staff_chat: int) -> list[StaffCall]:
    """Delete every row about a client; return the staff-chat edits and notice to send."""
    db = tx.db
    # A booking hold outlives /forget: its alert stays, bare, until staff tap Contacted.
    held = await tx.held_request(chat_id)
    async with db.execute(
        "SELECT id, status FROM requests WHERE chat_id = ? AND id IS NOT ?", (chat_id, held)
    ) as c:
        requests = [(int(r[0]), str(r[1])) for r in await c.fetchall()]
    async with db.execute("SELECT id FROM handoff WHERE chat_id = ?", (chat_id,)) as c:
        handoffs = [int(r[0]) for r in await c.fetchall()]
    ids = [r for r, _ in requests]
    # Take the client's details off the staff chat too, not only out of the database.
    calls = await redact_staff_messages(
        tx, REQUEST, ids, lambda n: f"Request #{n}: details deleted {_ON_REQUEST}."
    )
    calls += await redact_staff_messages(
        tx, HANDOFF, handoffs, lambda _: f"Message deleted {_ON_REQUEST}."
    )
    if held is not None:
        calls.extend(await strip_held_alert(tx, held, staff_chat, _ON_REQUEST))
    withdrawn = [r for r, status in requests if status not in FINAL_STATUSES]
    if requests or held is not None:
        numbers = ", ".join(f"#{r}" for r in withdrawn) or "none open"
        notice = (
            f"🗑 A client used /forget: their data has been deleted. Withdrawn requests: {numbers}."
        )
        if held is not None:
            notice += f" Their booking stays on hold until someone taps Contacted on #{held}."
        calls.append(("sendMessage", {"chat_id": staff_chat, "text": notice}, "staff", None))
    await delete_many(tx, "request_actions", "request_id", ids)
    await delete_many(tx, "outbox", "ref", ids, ABOUT_REQUESTS)
    await delete_many(tx, "outbox", "ref", handoffs, "purpose = 'handoff'")
    await db.execute("DELETE FROM requests WHERE chat_id = ? AND id IS NOT ?", (chat_id, held))
    for table in ("unanswered", "handoff", "conversations", "outbox"):
        await db.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))  # noqa: S608
    log.info("event=client_forgotten requests=%s", len(requests))
    return calls


async def strip_held_alert(
    tx: Transaction, request_id: int, staff_chat: int, why: str
) -> list[StaffCall]:
    """Keep only the bare alert behind a hold: no name, phone, items or profile.

    Return the edits that show the bare alert, with its Contacted button, in the staff chat.
    """
    await tx.db.execute(
        "UPDATE requests SET username = NULL, first_name = '', name = '', phone = '', "
        "times = '', concern = '', flags = '[]', consent_at = NULL, redacted_at = ? WHERE id = ?",
        (now_iso(), request_id),
    )
    text = (
        f"Request #{request_id}: details deleted {why}. Their booking stays "
        "on hold until someone taps Contacted."
    )
    button = {"text": "📞 Contacted", "callback_data": f"st:{request_id}:contacted"}
    markup = {"inline_keyboard": [[button]]}
    # Not yet delivered: send the bare version instead of the original.
    bare = {"chat_id": staff_chat, "text": text, "reply_markup": markup}
    await tx.db.execute(
        "UPDATE outbox SET payload = ? WHERE purpose = 'request' AND ref = ? AND sent_at IS NULL",
        (json.dumps(bare, ensure_ascii=False), request_id),
    )
    return [
        ("editMessageText", {**bare, "chat_id": chat, "message_id": message_id}, "staff_edit",
         request_id)
        for chat, message_id in await staff_messages_of(tx, REQUEST, request_id)
    ]  # fmt: skip


async def delete_many(
    tx: Transaction, table: str, column: str, ids: list[int], extra: str = "1"
) -> None:
    """Delete the rows of a table whose column is one of these ids (and `extra` holds)."""
    if ids:
        marks = ", ".join("?" for _ in ids)
        sql = f"DELETE FROM {table} WHERE {column} IN ({marks}) AND {extra}"  # noqa: S608
        await tx.db.execute(sql, ids)
