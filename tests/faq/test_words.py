"""The matcher's word lists (faq/words.yaml): loaded like the knowledge base, bad ones named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.clinic import load_clinic
from contentfile import ContentError
from faq.kb import DEFAULT_KB_FILE, load_knowledge_base
from faq.matcher import Matcher, SmallTalkReply
from faq.words import DEFAULT_WORDS_FILE, load_word_lists

GOOD = """
stopwords: [the, is]
fillers: [so, much]
common: [today]
off_topic: [pizza]
short_forms: {u: you, b4: before}
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "words.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_shipped_word_lists_feed_the_knowledge_base() -> None:
    words = load_word_lists(DEFAULT_WORDS_FILE)
    assert {"the", "please", "lol"} <= words.stopwords
    assert "pizza" in words.off_topic and "tomorrow" in words.common
    kb = load_knowledge_base(DEFAULT_KB_FILE, load_clinic().placeholders())
    # Chat short forms come from the word lists, the clinic's own from the knowledge base.
    assert kb.aliases["u"] == "you" and kb.aliases["tp"] == "trigger point"


@pytest.mark.parametrize(
    ("body", "entry", "field", "problem"),
    [
        (GOOD.replace("[the, is]", "[the, is it]"), "stopwords", "stopwords[1]", "one word"),
        (GOOD.replace("fillers: [so, much]", "fillers: so"), "fillers", "fillers", "a list"),
        (GOOD.replace("[today]", "[today, pizza]"), "common", "common", "also in 'off_topic'"),
        (GOOD.replace("common: [today]\n", ""), "common", "common", "is missing"),
        (GOOD.replace("b4: before", "b 4: before"), "short_forms", "b 4", "one word"),
        (GOOD.replace("b4: before", "b4: [before]"), "short_forms", "b4", "must be text"),
        (GOOD + "stop_words: [a]\n", "file", "stop_words", "not a known field"),
    ],
)
def test_a_bad_word_list_entry_is_named_by_file_entry_and_field(
    tmp_path: Path, body: str, entry: str, field: str, problem: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ContentError) as caught:
        load_knowledge_base(DEFAULT_KB_FILE, load_clinic().placeholders(), path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert f"entry '{entry}'" in message and f"field '{field}'" in message
    assert problem in message and "\n" not in message


def test_edited_fillers_change_what_counts_as_small_talk(tmp_path: Path) -> None:
    values = load_clinic().placeholders()
    shipped = Matcher(load_knowledge_base(DEFAULT_KB_FILE, values))
    assert isinstance(shipped.decide("thanks so much"), SmallTalkReply)
    text = DEFAULT_WORDS_FILE.read_text(encoding="utf-8")
    lean = write(tmp_path, text.replace("fillers: [\n  so, much,", "fillers: [\n"))
    edited = Matcher(load_knowledge_base(DEFAULT_KB_FILE, values, lean))
    assert not isinstance(edited.decide("thanks so much"), SmallTalkReply)
