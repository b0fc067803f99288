"""Fit the bot's own HTML into Telegram messages: split whole, never inside a tag or entity.

Telegram counts its 4,096 limit on the text it shows (entities decoded, tags gone), in
UTF-16 code units. The HTML given here is the bot's own (tags from
`bot.services.staff_views`, client strings escaped), so a simple tokenizer reads it exactly.
"""

from __future__ import annotations

import re
from html import unescape

MAX_SHOWN = 4096  # Telegram's limit, in UTF-16 code units of the parsed text
_TOKEN = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|.", re.DOTALL)
_TAG_NAME = re.compile(r"</?([a-zA-Z-]+)")
_TAG = re.compile(r"<[^<>]*>")


def utf16_len(text: str) -> int:
    """Return a text's length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def shown_len(html: str) -> int:
    """Return the length of the text Telegram shows for this HTML."""
    return utf16_len(to_plain(html))


def to_plain(html: str) -> str:
    """Return the text Telegram would show for this HTML, as plain text (no parse mode)."""
    return unescape(_TAG.sub("", html))


def split_html(html: str, limit: int = MAX_SHOWN) -> list[str]:
    """Split HTML into parts that each show at most `limit` characters and are valid alone.

    A part ends at a line break if one is in its second half, else at a space, else
    anywhere between two characters; tags open at the cut are closed and opened again.
    """
    if shown_len(html) <= limit:
        return [html]
    tokens = _TOKEN.findall(html)
    parts: list[str] = []
    opened: list[str] = []  # the start tags open where the current part begins
    start = 0
    while start < len(tokens):
        end, stack = _cut(tokens, start, list(opened), limit)
        body = "".join(tokens[start:end])
        closing = "".join(f"</{_name(tag)}>" for tag in reversed(stack))
        part = "".join(opened) + body + closing
        if to_plain(part).strip():
            parts.append(part)
        opened, start = stack, end
    return parts


def _cut(tokens: list[str], start: int, stack: list[str], limit: int) -> tuple[int, list[str]]:
    """Return where the part from `start` ends and the tags open there.

    The cut goes after the last line break past half the limit, else after the last space
    past half, else after the last character that fits.
    """
    shown = 0
    cuts: dict[str, tuple[int, list[str]]] = {}
    index = start
    while index < len(tokens):
        token = tokens[index]
        if token.startswith("<") and len(token) > 1:
            if not token.startswith("</"):
                stack.append(token)
            elif stack:
                stack.pop()
            index += 1
            continue
        width = utf16_len(unescape(token))
        if shown + width > limit:
            break
        shown += width
        index += 1
        here = (index, list(stack))
        cuts["any"] = here
        if shown >= limit // 2 and token in ("\n", " "):
            cuts["line" if token == "\n" else "space"] = here
    if index >= len(tokens):
        return index, stack
    for kind in ("line", "space", "any"):
        if kind in cuts:
            return cuts[kind]
    raise ValueError("a character wider than the limit")


def _name(start_tag: str) -> str:
    found = _TAG_NAME.match(start_tag)
    return found.group(1).lower() if found else "b"
