"""Measure the matcher on labelled messages: accuracy and wrong-answer rate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contentfile import ContentError, Fields
from faq.matcher import Answer, Matcher, SmallTalkReply, Suggestions


@dataclass(frozen=True)
class Case:
    """A message and the FAQ ids that are acceptable answers (none: must not answer)."""

    q: str
    expect: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """What the matcher did with one case."""

    case: Case
    got: str | None
    suggested: tuple[str, ...]
    score: float

    @property
    def correct(self) -> bool:
        """Say whether the bot behaved as expected."""
        return self.got in self.case.expect if self.case.expect else self.got is None

    @property
    def wrong_answer(self) -> bool:
        """Say whether the bot answered with an FAQ that was not acceptable."""
        return self.got is not None and self.got not in self.case.expect


@dataclass(frozen=True)
class Report:
    """Accuracy figures over a set of cases."""

    outcomes: tuple[Outcome, ...]

    @property
    def accuracy(self) -> float:
        """Return the share of cases handled as expected."""
        return sum(o.correct for o in self.outcomes) / max(1, len(self.outcomes))

    @property
    def wrong_answer_rate(self) -> float:
        """Return the share of cases answered with a wrong FAQ."""
        return sum(o.wrong_answer for o in self.outcomes) / max(1, len(self.outcomes))

    def as_json(self) -> dict[str, Any]:
        """Return the report as a JSON-ready mapping."""
        return {
            "accuracy": round(self.accuracy, 4),
            "wrong_answer_rate": round(self.wrong_answer_rate, 4),
            "cases": [
                {
                    "q": o.case.q,
                    "expect": list(o.case.expect),
                    "got": o.got,
                    "suggested": list(o.suggested),
                    "score": o.score,
                }
                for o in self.outcomes
            ],
        }


def parse_cases(path: Path | str, data: object, known_ids: set[str]) -> list[Case]:
    """Validate a cases file's content (faq-dev-set.yaml's format)."""
    top = Fields(path, "file", data)
    raw = top.data.get("cases")
    if not isinstance(raw, list):
        raise top.error("cases", "must be a list of {q, expect}")
    cases = []
    for i, item in enumerate(raw):
        fields = Fields(path, f"cases[{i}]", item)
        expect = fields.texts("expect")
        for entry_id in expect:
            if entry_id not in known_ids:
                raise ContentError(path, f"unknown FAQ id '{entry_id}'", f"cases[{i}]", "expect")
        cases.append(Case(fields.text("q"), expect))
    return cases


def evaluate(matcher: Matcher, cases: list[Case]) -> Report:
    """Run every case through the matcher."""
    outcomes = []
    for case in cases:
        decision = matcher.decide(case.q)
        got = decision.entry.id if isinstance(decision, Answer) else None
        suggested = (
            tuple(e.id for e in decision.entries) if isinstance(decision, Suggestions) else ()
        )
        top = decision.candidates[0].score if decision.candidates else 0.0
        if isinstance(decision, SmallTalkReply):
            top = 0.0
        outcomes.append(Outcome(case, got, suggested, top))
    return Report(tuple(outcomes))
