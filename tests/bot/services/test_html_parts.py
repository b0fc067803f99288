"""Splitting the bot's HTML: every part valid alone, within the limit, nothing lost."""

from __future__ import annotations

import random
from html import escape

import pytest

from bot.services.html_parts import split_html
from bot.services.staff_views import handoff_html
from tests.bot.telegram_html import parse_html, utf16_len

ALPHABET = ["a", " ", "\n", "&", "<", ">", '"', "é", "😀", "x" * 7]


@pytest.mark.parametrize("seed", range(30))
def test_every_part_parses_fits_and_together_they_show_the_whole_text(seed: int) -> None:
    pick = random.Random(seed)
    text = "".join(pick.choice(ALPHABET) for _ in range(pick.randint(1, 4000))).strip() or "a"
    html = handoff_html(42, "<Ann & co>" * pick.randint(1, 6), "ann_b", text)
    limit = pick.choice([50, 300, 4096])
    parts = split_html(html, limit)
    shown = [parse_html(part) for part in parts]  # raises if Telegram would refuse one
    assert all(utf16_len(s) <= limit for s in shown)
    assert "".join(shown) == parse_html(html)


def test_a_message_that_fits_is_one_part_unchanged() -> None:
    html = f"<b>Hi</b> {escape('a & b')}"
    assert split_html(html) == [html]


def test_a_cut_prefers_a_line_break_past_half_the_limit() -> None:
    html = "<i>" + "a" * 60 + "\n" + "b" * 60 + "</i>"
    assert split_html(html, 100) == ["<i>" + "a" * 60 + "\n</i>", "<i>" + "b" * 60 + "</i>"]
