"""The knowledge base loader: the shipped file is complete, bad files are named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config.clinic import load_clinic
from contentfile import ContentError
from faq.kb import DEFAULT_KB_FILE, load_knowledge_base

FAQ_IDS = {
    "trigger-points", "causes", "referred-pain", "trigger-point-massage", "techniques",
    "does-it-hurt", "how-it-works", "benefits", "conditions", "first-session",
    "soreness-after", "who-is-it-for", "contraindications", "number-of-sessions", "home-care",
    "prices", "session-length", "opening-hours", "location", "booking", "cancellation",
    "what-to-wear", "payment", "gift-cards", "insurance", "services", "talk-to-human",
}  # fmt: skip

GOOD_ENTRY = """
  - id: prices
    title: Prices
    question: How much?
    alternates: [cost]
    answer: "Call {clinic.phone}"
"""


def values() -> dict[str, str]:
    return load_clinic().placeholders()


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "kb.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_shipped_knowledge_base_covers_every_topic_with_clinic_details_filled_in() -> None:
    kb = load_knowledge_base(DEFAULT_KB_FILE, values())
    assert {e.id for e in kb.entries} == FAQ_IDS
    clinic = load_clinic()
    for entry in kb.entries:
        assert "{" not in entry.answer, entry.id
        assert len(entry.answer) < 900, f"{entry.id} is too long for a chat bubble"
        assert len(entry.alternates) >= 8, entry.id
    prices = kb.get("prices")
    assert prices is not None
    assert clinic.prices[0][1] in prices.answer
    talk = kb.get("talk-to-human")
    assert talk is not None and clinic.text["phone"] in talk.answer


@pytest.mark.parametrize(
    ("body", "entry", "field", "problem"),
    [
        ("entries:" + GOOD_ENTRY + GOOD_ENTRY, "prices", "id", "duplicate id"),
        (
            "entries:\n  - {id: prices, title: P, question: Q, alternates: [a]}\n",
            "prices",
            "answer",
            "is missing",
        ),
        (
            "entries:" + GOOD_ENTRY.replace("{clinic.phone}", "{clinic.fax}"),
            "prices",
            "answer",
            "unknown placeholder {clinic.fax}",
        ),
        (
            "entries:" + GOOD_ENTRY.replace("alternates: [cost]", "alternates: cost"),
            "prices",
            "alternates",
            "must be a list of text",
        ),
        (
            "entries:" + GOOD_ENTRY + "    follow_up: dance\n",
            "prices",
            "follow_up",
            "must be one of",
        ),
        (
            "entries:" + GOOD_ENTRY.replace("id: prices", "id: Prices Page"),
            "Prices Page",
            "id",
            "lowercase words",
        ),
    ],
)
def test_invalid_entries_are_reported_by_file_entry_and_field(
    tmp_path: Path, body: str, entry: str, field: str, problem: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ContentError) as caught:
        load_knowledge_base(path, values())
    message = str(caught.value)
    assert message.startswith(str(path))
    assert f"entry '{entry}'" in message
    assert f"field '{field}'" in message
    assert problem in message


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "entries:\n  - id: prices\n   title: [unclosed\n")
    with pytest.raises(ContentError, match=r"kb.yaml: invalid YAML at line \d+"):
        load_knowledge_base(path, values())


def test_faq_check_command_prints_one_line_and_exits_2_on_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "entries:" + GOOD_ENTRY + GOOD_ENTRY)
    assert main(["faq", "check", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "duplicate id" in err and "Traceback" not in err


def test_faq_check_command_accepts_the_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faq", "check"]) == 0
    out = capsys.readouterr().out
    assert "27 entries" in out
    assert "note:" not in out


def test_faq_check_points_out_a_misspelt_phrasing_without_failing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = """
  - id: prices
    title: Prices
    question: How much is a massage?
    alternates: [massage prices, cost of a massage, price of one massage, cheap massge]
    answer: "Call {clinic.phone}"
"""
    path = write(tmp_path, "entries:" + entry)
    assert main(["faq", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "entry 'prices': field 'alternates': 'massge' looks like a misspelling of 'massage'" in out
    )
    assert out.rstrip().endswith("1 entries")
