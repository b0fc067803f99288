"""The classifier learns which words each topic is asked with."""

from __future__ import annotations

import math

import pytest

from faq.classifier import NaiveBayes

EXAMPLES = [
    (0, ["price", "hour"]),
    (0, ["cost", "session"]),
    (1, ["park", "car"]),
    (1, ["bus", "station"]),
]


def test_the_topic_whose_examples_use_the_words_is_the_most_likely() -> None:
    model = NaiveBayes.train(EXAMPLES, classes=2, alpha=0.1)
    prices, location = model.probabilities(["park", "bus"])
    assert location > 0.9 > prices > 0
    assert math.isclose(prices + location, 1.0)


def test_words_never_seen_in_training_are_ignored() -> None:
    model = NaiveBayes.train(EXAMPLES, classes=2, alpha=0.1)
    assert model.known(["cost", "pizza"]) == ["cost"]
    assert model.probabilities(["pizza"]) == []
    assert model.probabilities(["cost", "pizza"]) == model.probabilities(["cost"])


@pytest.mark.parametrize("alpha", [0.01, 0.1, 1.0])
def test_a_word_shared_by_both_topics_leaves_them_even(alpha: float) -> None:
    model = NaiveBayes.train([(0, ["massag"]), (1, ["massag"])], classes=2, alpha=alpha)
    first, second = model.probabilities(["massag"])
    assert math.isclose(first, second)
