"""A lean knowledge base (a question and 3 alternates an entry) answers when it should."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.cli import main
from bot.config.clinic import DEFAULT_CLINIC_FILE
from bot.config.content import Content, load_content
from faq.kb import KnowledgeBase
from faq.matcher import Answer, Matcher


def cut(kb: KnowledgeBase, alternates: int = 3) -> KnowledgeBase:
    entries = [dataclasses.replace(e, alternates=e.alternates[:alternates]) for e in kb.entries]
    return dataclasses.replace(kb, entries=tuple(entries))


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(DEFAULT_CLINIC_FILE)


@pytest.fixture(scope="module")
def lean(content: Content) -> Matcher:
    return Matcher(cut(content.kb), keep=content.matcher.keep)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("how much is a massage going to cost me?", "prices"),
        ("what do you charge for a massage", "prices"),
        ("when are you open on saturdays", "opening-hours"),
        ("can i cancel my appointment", "cancellation"),
        ("what should i wear for my massage", "what-to-wear"),
    ],
)
def test_a_lean_base_answers_a_paraphrase_of_its_question(
    lean: Matcher, message: str, expected: str
) -> None:
    decision = lean.decide(message)
    assert isinstance(decision, Answer) and decision.entry.id == expected


@pytest.mark.parametrize(
    "message",
    [
        "what time does the pharmacy open",  # "open" is the clinic's word, the rest is not
        "can you recommend a good pizza place",
        "do you fix cars",
        "can you help with my maths homework",
    ],
)
def test_a_lean_base_stays_silent_on_an_off_topic_message(lean: Matcher, message: str) -> None:
    assert not isinstance(lean.decide(message), Answer)


def test_an_entry_the_base_says_little_about_must_fit_more_closely(
    content: Content, lean: Matcher
) -> None:
    rich = content.matcher.thresholds["opening-hours"]
    thin = lean.thresholds["opening-hours"]
    assert thin.answer > rich.answer and thin.agreed_support > rich.agreed_support
    # The full base answers what the lean one is unsure of (it offers the topic instead).
    message = "r u open late on weekdays, like after 7"
    assert isinstance(content.matcher.decide(message), Answer)
    assert not isinstance(lean.decide(message), Answer)


def test_faq_check_warns_about_entries_with_few_alternates_without_failing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text(
        """
entries:
  - id: prices
    title: Prices
    question: How much is a massage?
    alternates: [massage prices, cost of a massage]
    answer: "Call {clinic.phone}"
""",
        encoding="utf-8",
    )
    assert main(["faq", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"warning: {path}: entry 'prices': field 'alternates': only 2 (fewer than 5)" in out
    assert out.rstrip().endswith("1 entries")
