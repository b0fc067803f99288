"""Print the matcher's accuracy and wrong-answer rate on every labelled message set.

Run: python benchmarks/faq_accuracy.py
"""

from __future__ import annotations

from pathlib import Path

from bot.config.clinic import DEFAULT_CLINIC_FILE
from bot.config.content import load_content
from contentfile import read_yaml
from faq.evaluate import evaluate, parse_cases

ROOT = Path(__file__).resolve().parent.parent
SETS = [
    *sorted((ROOT / "tests" / "faq" / "cases").glob("*.yaml")),
    *sorted(
        (ROOT / "benchmarks" / "heldout").glob("*.yaml"),
        key=lambda p: int("".join(c for c in p.stem if c.isdigit()) or 0),
    ),
]


def main() -> None:
    content = load_content(DEFAULT_CLINIC_FILE)
    ids = {entry.id for entry in content.kb.entries}
    print(f"{'set':<32} {'messages':>8} {'accuracy':>9} {'wrong':>6} {'suggested':>9}")
    for path in SETS:
        report = evaluate(content.matcher, parse_cases(path, read_yaml(path), ids))
        suggested = sum(1 for o in report.outcomes if o.suggested) / len(report.outcomes)
        name = str(path.relative_to(ROOT))
        print(f"{name:<32} {len(report.outcomes):>8} {report.accuracy:>9.1%} "
              f"{report.wrong_answer_rate:>6.1%} {suggested:>9.1%}")  # fmt: skip
    print("accuracy: the right FAQ answered directly (or, off-topic, none); wrong: a wrong FAQ "
          "answered; suggested: 'did you mean…' offered instead of an answer")  # fmt: skip


if __name__ == "__main__":
    main()
