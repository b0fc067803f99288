"""Telegram's HTML parse mode, as the fake Bot API applies it: the text shown, or the refusal.

It follows the parser Telegram's Bot API server uses (tdlib's `parse_html`): only the tags
Telegram allows, each closed in order; `&lt;` `&gt;` `&amp;` `&quot;` and numeric references
are decoded. As in Telegram, a `&` that begins none of them is shown as it is (it is not an
error), so a cut entity such as `&am` reaches the reader as the three characters `&am`; tests
catch that by comparing what staff see (`SentMessage.shown`) with what the client wrote.
"""

from __future__ import annotations

TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
     "tg-emoji", "code", "pre", "blockquote"}
)  # fmt: skip
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlRefused(ValueError):
    """Telegram refuses the text; `str(error)` is the part after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Return the length of a text in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(html: str) -> str:
    """Return the text Telegram shows for an HTML message, or raise HtmlRefused."""
    return _Parser(html).run()


class _Parser:
    def __init__(self, html: str) -> None:
        self.text = html
        self.pos = 0
        self.out: list[str] = []
        self.open: list[str] = []

    def run(self) -> str:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == "&":
                self.out.append(self._entity())
            elif char == "<":
                self._tag()
            else:
                self.out.append(char)
                self.pos += 1
        if self.open:
            raise HtmlRefused(f'Can\'t find end tag corresponding to start tag "{self.open[-1]}"')
        return "".join(self.out)

    def _offset(self, pos: int) -> int:
        return len(self.text[:pos].encode())

    def _entity(self) -> str:
        """Decode the entity at `pos` (and move past it), or return a literal '&'."""
        text, start = self.text, self.pos
        end = start + 1
        value: str | None = None
        if text.startswith("#", end):
            end += 1
            hexa = text.startswith(("x", "X"), end)
            end += hexa
            digits = "0123456789abcdefABCDEF" if hexa else "0123456789"
            first = end
            while end < len(text) and text[end] in digits and end - first < 8:
                end += 1
            number = int(text[first:end], 16 if hexa else 10) if end > first else 0
            if 0 < number < 0x10FFFF and not 0xD800 <= number <= 0xDFFF:
                value = chr(number)
        else:
            while end < len(text) and text[end].isascii() and text[end].isalpha():
                end += 1
            value = _NAMED.get(text[start + 1 : end])
        if value is None:
            self.pos += 1
            return "&"
        self.pos = end + 1 if text.startswith(";", end) else end
        return value

    def _tag(self) -> None:
        text, start = self.text, self.pos
        if text.startswith("</", start):
            self._end_tag(start)
            return
        end = start + 1
        while end < len(text) and not text[end].isspace() and text[end] not in ">":
            end += 1
        if end >= len(text):
            raise HtmlRefused(f"Unclosed start tag at byte offset {self._offset(start)}")
        name = text[start + 1 : end].lower()
        if name not in TAGS:
            raise HtmlRefused(
                f'Unsupported start tag "{name}" at byte offset {self._offset(start)}'
            )
        attributes, end = self._attributes(name, start, end)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlRefused(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self._offset(start)}'
            )
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise HtmlRefused(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                              f"{self._offset(start)}")  # fmt: skip
        self.open.append(name)
        self.pos = end + 1

    def _attributes(self, name: str, start: int, end: int) -> tuple[dict[str, str], int]:
        """Read a tag's attributes from `end` to its '>'; return them and the '>' position."""
        text = self.text
        found: dict[str, str] = {}
        while True:
            while end < len(text) and text[end].isspace():
                end += 1
            if end >= len(text):
                raise HtmlRefused(
                    f'Unclosed start tag "{name}" at byte offset {self._offset(start)}'
                )
            if text[end] == ">":
                return found, end
            first = end
            while end < len(text) and (text[end].isalnum() or text[end] in "-_"):
                end += 1
            attribute = text[first:end].lower()
            if not attribute:
                raise HtmlRefused(f'Empty attribute name in the tag "{name}" at byte offset '
                                  f"{self._offset(start)}")  # fmt: skip
            while end < len(text) and text[end].isspace():
                end += 1
            if not text.startswith("=", end):
                if name == "blockquote" and attribute == "expandable":
                    continue
                raise HtmlRefused(f"Expected equal sign in declaration of an attribute of the "
                                  f'tag "{name}" at byte offset {self._offset(start)}')  # fmt: skip
            end += 1
            while end < len(text) and text[end].isspace():
                end += 1
            quote = text[end] if end < len(text) and text[end] in "\"'" else ""
            if quote:
                close = text.find(quote, end + 1)
                if close < 0:
                    raise HtmlRefused(f'Unclosed start tag "{name}" at byte offset '
                                      f"{self._offset(start)}")  # fmt: skip
                value, end = text[end + 1 : close], close + 1
            else:
                first = end
                while end < len(text) and not text[end].isspace() and text[end] != ">":
                    end += 1
                value = text[first:end]
            found[attribute] = _Parser(value).run_plain()

    def run_plain(self) -> str:
        """Decode the entities of an attribute value."""
        while self.pos < len(self.text):
            if self.text[self.pos] == "&":
                self.out.append(self._entity())
            else:
                self.out.append(self.text[self.pos])
                self.pos += 1
        return "".join(self.out)

    def _end_tag(self, start: int) -> None:
        text = self.text
        close = text.find(">", start)
        if close < 0:
            raise HtmlRefused(f"Unclosed end tag at byte offset {self._offset(start)}")
        name = text[start + 2 : close].strip().lower()
        if not self.open:
            raise HtmlRefused(f"Unexpected end tag at byte offset {self._offset(start)}")
        if name != self.open[-1]:
            raise HtmlRefused(
                f"Unmatched end tag at byte offset {self._offset(start)}, "
                f'expected "</{self.open[-1]}>", found "</{name}>"'
            )
        self.open.pop()
        self.pos = close + 1
