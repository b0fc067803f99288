"""The review buttons of /unanswered: their data, the entries offered, the pages."""

from __future__ import annotations

from flows.teach import (
    DATA_MAX,
    LIKELY,
    PAGE,
    TeachAction,
    TeachButton,
    button_data,
    fits,
    likely_entries,
    page_of,
    pages,
    parse_button,
    position_after,
)

IDS = [f"entry-{n}" for n in range(19)]


def test_every_button_reads_back_as_itself() -> None:
    for button in (
        TeachButton(TeachAction.ADD, 12, 3, "trigger-point-massage"),
        TeachButton(TeachAction.IGNORE, 7, 0),
        TeachButton(TeachAction.LIST, 7, 2, "1"),
        TeachButton(TeachAction.SHOW, 0, 4),
    ):
        assert parse_button(button_data(button)) == button
        assert len(button_data(button).encode()) <= DATA_MAX


def test_other_data_is_not_a_review_button() -> None:
    for data in ("st:12:confirm", "st:thread:5", "st:tx:1:0:", "st:ta:1:0:", "st:tl:1:0:x",
                 "st:ti:one:0:", "st:tu:0:-1:", "", "st:t"):  # fmt: skip
        assert parse_button(data) is None, data


def test_an_entry_id_too_long_for_a_button_is_not_offered() -> None:
    long_id = "a" * 60
    assert not fits(long_id)
    assert likely_entries([long_id, "prices"], None, None, [long_id, "prices"]) == ["prices"]


def test_likely_entries_put_the_best_guess_first_and_never_the_wrong_answer() -> None:
    ranked = ["booking", "prices", "location", "payment"]
    known = ["booking", "prices", "location", "payment", "insurance"]
    assert likely_entries(ranked, "insurance", None, known) == ["insurance", "booking", "prices"]
    # The client said "Not what I asked" to booking: it is not offered.
    assert likely_entries(ranked, None, "booking", known) == ["prices", "location", "payment"]
    # An entry the base no longer has is not offered.
    assert likely_entries(["gone", *ranked], None, None, known)[0] == "booking"
    assert len(likely_entries(ranked, "insurance", None, known)) == LIKELY


def test_pages_cover_every_entry_once_and_clamp() -> None:
    total = pages(IDS)
    assert total == -(-len(IDS) // PAGE)
    seen = [e for page in range(total) for e in page_of(IDS, page)[0]]
    assert seen == IDS
    assert page_of(IDS, 99) == (IDS[(total - 1) * PAGE :], total - 1)
    assert page_of(IDS, -1)[1] == 0


def test_after_a_question_leaves_the_next_one_takes_its_place() -> None:
    assert position_after(1, 3) == 1
    assert position_after(3, 3) == 0
