"""Learned phrasings: added to the knowledge base, and merged into its YAML file."""

from __future__ import annotations

import pytest
import yaml

from bot.config.content import Content
from faq.kb import DEFAULT_KB_FILE
from faq.learned import MergeError, Phrasing, as_yaml, merge_into, unknown, with_learned
from faq.matcher import Answer, Matcher

SMALL = """\
# The clinic's FAQ (a comment that must survive a merge)
entries:
  - id: prices
    title: Prices
    question: How much is a massage?
    alternates:
      - what does it cost
      # a comment among the alternates
      - "price list please"
    keywords: [price]
    answer: Thirty pounds.

  - id: location
    title: Where we are
    question: Where are you?
    answer: 1 Market Street.
"""


def alternates_of(text: str) -> dict[str, list[str]]:
    return {e["id"]: e.get("alternates", []) for e in yaml.safe_load(text)["entries"]}


def test_merge_adds_each_phrasing_to_its_entry_and_keeps_comments() -> None:
    learned = [
        Phrasing("prices", "do u do mates rates"),
        Phrasing("location", 'is it the "blue door": near the bus stop?'),
        Phrasing("prices", "how  much\nfor an hour"),
    ]
    merged = merge_into(SMALL, learned)
    assert alternates_of(merged) == {
        "prices": [
            "what does it cost", "price list please", "do u do mates rates", "how much for an hour"
        ],
        "location": ['is it the "blue door": near the bus stop?'],
    }  # fmt: skip
    assert "# a comment among the alternates" in merged
    assert merged.startswith("# The clinic's FAQ (a comment that must survive a merge)\n")
    # Everything else is byte for byte as it was.
    assert [line for line in merged.splitlines() if "mates" not in line and "blue door" not in line
            and "for an hour" not in line and line.strip() != "alternates:"] == [
        line for line in SMALL.splitlines() if line.strip() != "alternates:"
    ]  # fmt: skip


def test_merge_names_an_entry_the_file_does_not_have() -> None:
    with pytest.raises(MergeError, match="entry gift-cards: not found"):
        merge_into(SMALL, [Phrasing("gift-cards", "vouchers?")])


def test_merge_refuses_a_flow_style_list_rather_than_writing_a_broken_file() -> None:
    flow = SMALL.replace(
        "    alternates:\n      - what does it cost\n      # a comment among the alternates\n"
        '      - "price list please"\n',
        "    alternates: [what does it cost]\n",
    )
    with pytest.raises(MergeError):
        merge_into(flow, [Phrasing("prices", "mates rates")])


def test_merging_into_the_shipped_base_reads_back_with_the_phrasings() -> None:
    text = DEFAULT_KB_FILE.read_text(encoding="utf-8")
    learned = [Phrasing("talk-to-human", "can i ring someone tonight"), Phrasing("services", "x")]
    merged = alternates_of(merge_into(text, learned))
    before = alternates_of(text)
    assert merged["talk-to-human"] == [*before["talk-to-human"], "can i ring someone tonight"]
    assert merged["services"] == [*before["services"], "x"]
    assert {k: v for k, v in merged.items() if k not in ("talk-to-human", "services")} == {
        k: v for k, v in before.items() if k not in ("talk-to-human", "services")
    }


def test_with_learned_adds_new_wordings_once_and_leaves_out_unknown_entries(
    content: Content,
) -> None:
    kb = content.kb
    prices = kb.get("prices")
    assert prices is not None
    learned = [
        Phrasing("prices", "wibble frotz tariff"),
        Phrasing("prices", "Wibble  Frotz tariff"),  # the same words again
        Phrasing("prices", prices.alternates[0]),  # already in the base
        Phrasing("no-such-entry", "hello"),
    ]
    taught = with_learned(kb, learned)
    new = taught.get("prices")
    assert new is not None and new.alternates == (*prices.alternates, "wibble frotz tariff")
    assert [e.id for e in taught.entries] == [e.id for e in kb.entries]
    assert unknown(kb, learned) == [Phrasing("no-such-entry", "hello")]


def test_a_learned_phrasing_is_answered_by_the_rebuilt_matcher(content: Content) -> None:
    kb, keep = content.kb, content.matcher.keep
    question = "do you have a lift for wheelchair users"
    assert not isinstance(content.matcher.decide(question), Answer)
    taught = with_learned(kb, [Phrasing("location", question)])
    decision = Matcher(taught, keep=keep).decide(question)
    assert isinstance(decision, Answer) and decision.entry.id == "location"


def test_as_yaml_groups_by_entry_and_reads_back() -> None:
    learned = [Phrasing("prices", "a: b"), Phrasing("location", "c"), Phrasing("prices", "d")]
    assert alternates_of(as_yaml(learned)) == {"prices": ["a: b", "d"], "location": ["c"]}
