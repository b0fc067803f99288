"""Print the matcher's figures on a lean knowledge base and on the full one.

The lean base keeps each entry's question and first 3 alternates (keywords, answers,
synonyms and short forms as shipped), as a clinic's own entries would be.

Run: python benchmarks/faq_lean.py SET.yaml [SET.yaml ...] [--alternates N]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

from bot.config.clinic import DEFAULT_CLINIC_FILE
from bot.config.content import load_content
from contentfile import read_yaml
from faq.evaluate import Case, Report, evaluate, parse_cases
from faq.kb import KnowledgeBase
from faq.matcher import Matcher


def lean(kb: KnowledgeBase, alternates: int) -> KnowledgeBase:
    """Return the base with each entry cut to its question and first alternates."""
    cut = [dataclasses.replace(e, alternates=e.alternates[:alternates]) for e in kb.entries]
    return dataclasses.replace(kb, entries=tuple(cut))


def figures(report: Report) -> tuple[float, float, float]:
    """Return the shares right, wrong and unsure (no answer where one was expected)."""
    right, wrong = report.accuracy, report.wrong_answer_rate
    return right, wrong, 1 - right - wrong


def first_right(matcher: Matcher, sets: list[tuple[Path, list[Case]]]) -> float:
    """Return the share of on-topic messages whose best candidate is an acceptable entry.

    This bounds what any decision threshold can reach: an answer is right only if the
    ranking put the right entry first.
    """
    on_topic = [case for _, cases in sets for case in cases if case.expect]
    hits = 0
    for case in on_topic:
        candidates = matcher.decide(case.q).candidates
        hits += bool(candidates) and candidates[0].entry.id in case.expect
    return hits / max(1, len(on_topic))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, help="files of {q, expect} cases")
    parser.add_argument("--alternates", type=int, default=3, help="alternates kept (lean)")
    args = parser.parse_args()
    content = load_content(DEFAULT_CLINIC_FILE)
    ids = {entry.id for entry in content.kb.entries}
    sets = [(path, parse_cases(path, read_yaml(path), ids)) for path in args.sets]
    keep = content.matcher.keep
    bases = [(f"lean ({args.alternates} alt.)", lean(content.kb, args.alternates))]
    bases.append(("full", content.kb))
    print(f"{'base':<20} {'set':<36} {'messages':>8} {'right':>7} {'wrong':>6} {'unsure':>7}")
    for name, kb in bases:
        started = time.perf_counter()
        matcher = Matcher(kb, keep=keep)
        load_ms = (time.perf_counter() - started) * 1000
        shares = []
        total = right = wrong = 0
        for path, cases in sets:
            report = evaluate(matcher, cases)
            r, w, u = figures(report)
            shares.append((r, w))
            n = len(report.outcomes)
            total += n
            right += round(r * n)
            wrong += round(w * n)
            print(f"{name:<20} {path!s:<36} {n:>8} {r:>7.1%} {w:>6.1%} {u:>7.1%}")
        rights = [r for r, _ in shares]
        wrongs = [w for _, w in shares]
        spread = ""
        if len(shares) > 1:
            spread = (
                f"  (sets: right {min(rights):.1%}–{max(rights):.1%}, sd "
                f"{statistics.stdev(rights):.1%}; wrong {min(wrongs):.1%}–{max(wrongs):.1%})"
            )
        r, w = right / total, wrong / total
        print(f"{name:<20} {'pooled':<36} {total:>8} {r:>7.1%} {w:>6.1%} {1 - r - w:>7.1%}{spread}")
        print(f"{name:<20} matcher built in {load_ms:.0f} ms; {first_right(matcher, sets):.1%} of "
              "on-topic messages have the right entry ranked first")  # fmt: skip
    print("right: the right FAQ answered (or, off-topic, none); wrong: a wrong FAQ answered; "
          "unsure: 'did you mean…' or the fallback instead of an answer")  # fmt: skip


if __name__ == "__main__":
    main()
