"""The matcher answers the way clients type, and says 'not sure' rather than guess."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.config.content import Content
from contentfile import read_yaml
from faq.evaluate import evaluate, parse_cases
from faq.matcher import Answer, Matcher, SmallTalkReply, Suggestions

CASES = Path(__file__).parent / "cases"


@pytest.mark.parametrize(("name", "accuracy"), [("dev-set.yaml", 0.95), ("regression.yaml", 0.92)])
def test_accuracy_target_on_labelled_client_messages(
    content: Content, name: str, accuracy: float
) -> None:
    path = CASES / name
    ids = {e.id for e in content.kb.entries}
    report = evaluate(content.matcher, parse_cases(path, read_yaml(path), ids))
    misses = [(o.case.q, o.got, o.suggested) for o in report.outcomes if not o.correct]
    assert report.accuracy >= accuracy, misses
    assert report.wrong_answer_rate <= 0.03, misses


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("how much is a masage", "prices"),
        ("wat r ur openin hours", "opening-hours"),
        ("PARKING???", "location"),
        ("do u take cards", "payment"),
        ("whats ur adress", "location"),
        ("can i cancle my apointment", "cancellation"),
        (
            "Hi! I've had a stiff neck for weeks from working at my laptop. Is there parking?",
            "location",
        ),
        ("vouchers", "gift-cards"),
        ("r u open 2nite", "opening-hours"),
        ("wat shud i wear", "what-to-wear"),
        ("hiya, sorry to bother you, where do i park lol", "location"),
    ],
)
def test_typos_short_forms_and_context_still_get_the_right_answer(
    content: Content, message: str, expected: str
) -> None:
    decision = content.matcher.decide(message)
    assert isinstance(decision, Answer), decision
    assert decision.entry.id == expected


@pytest.mark.parametrize(
    "message",
    [
        "what's the weather tomorrow",
        "asdfghjkl",
        "tell me a joke",
        "who won the football",
        "how much is a pizza",
        "do you sell crystals",
        "🙂🙂🙂",
        "",
    ],
)
def test_off_topic_messages_never_get_an_faq_answer(content: Content, message: str) -> None:
    decision = content.matcher.decide(message)
    assert not isinstance(decision, Answer), decision


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("hi", "greeting"),
        ("Hello there!", "greeting"),
        ("thanks so much", "thanks"),
        ("thx", "thanks"),
        ("bye", "goodbye"),
    ],
)
def test_greetings_and_thanks_are_small_talk(content: Content, message: str, kind: str) -> None:
    decision = content.matcher.decide(message)
    assert isinstance(decision, SmallTalkReply)
    assert decision.smalltalk.id == kind


def test_greeting_with_a_question_answers_the_question(content: Content) -> None:
    decision = content.matcher.decide("hi there, how much is an hour?")
    assert isinstance(decision, Answer) and decision.entry.id == "prices"


def test_a_vague_message_gets_suggestions_not_an_answer(content: Content) -> None:
    decision = content.matcher.decide("massage")
    assert isinstance(decision, Suggestions), decision
    assert 1 <= len(decision.entries) <= 3


def test_scores_are_ranked_best_first(content: Content) -> None:
    ranked = content.matcher.decide("do you sell gift vouchers").candidates
    assert ranked[0].entry.id == "gift-cards"
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


def test_the_classifier_agreeing_is_what_answers_when_the_wording_alone_would_not(
    content: Content,
) -> None:
    message = "my physio reckons i should try it, what actually happens during one"
    # A wording threshold no message reaches leaves only the agreement path.
    strict = dataclasses.replace(content.matcher.tuning, answer=1.01)
    decision = Matcher(content.kb, strict).decide(message)
    assert isinstance(decision, Answer) and decision.entry.id == "first-session"
    assert decision.candidates[0].support >= strict.agreed_support
    no_second_opinion = dataclasses.replace(strict, agreed_support=1.01)
    assert not isinstance(Matcher(content.kb, no_second_opinion).decide(message), Answer)


def test_a_long_message_is_answered_on_its_question_not_its_context(content: Content) -> None:
    message = (
        "I've been getting awful headaches and my neck is so stiff from driving all week. "
        "Do you have anything on Saturday?"
    )
    decision = content.matcher.decide(message)
    # "Anything on Saturday?" asks for a free appointment, not whether the clinic opens.
    assert isinstance(decision, Answer), decision
    assert decision.entry.id == "booking"


def test_each_entry_s_own_question_gets_its_answer(content: Content) -> None:
    for entry in content.kb.entries:
        decision = content.matcher.decide(entry.question)
        assert isinstance(decision, Answer), (entry.question, decision)
        assert decision.entry.id == entry.id, entry.question


@pytest.mark.slow(seconds=2.2)
def test_almost_every_alternate_gets_its_own_entry_s_answer(content: Content) -> None:
    phrasings = [(e.id, a) for e in content.kb.entries for a in e.alternates]
    astray = []
    for entry_id, text in phrasings:
        decision = content.matcher.decide(text)
        if not (isinstance(decision, Answer) and decision.entry.id == entry_id):
            astray.append((entry_id, text))
    assert len(astray) <= 0.02 * len(phrasings), astray
