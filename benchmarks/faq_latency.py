"""Time the FAQ matcher per message: p50, p99 and max, over the labelled message sets.

Run: python benchmarks/faq_latency.py [ROUNDS]
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

import yaml

from bot.config.clinic import DEFAULT_CLINIC_FILE
from bot.config.content import load_content

CASES = Path(__file__).resolve().parent.parent / "tests" / "faq" / "cases"


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    started = time.perf_counter()
    matcher = load_content(DEFAULT_CLINIC_FILE).matcher
    load_ms = (time.perf_counter() - started) * 1000
    gc.freeze()  # as the bot does after loading its content
    messages = [
        case["q"] for path in sorted(CASES.glob("*.yaml"))
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    ]  # fmt: skip
    for message in messages:  # warm caches, as a running bot would be
        matcher.decide(message)
    timings = []
    for _ in range(rounds):
        for message in messages:
            t0 = time.perf_counter_ns()
            matcher.decide(message)
            timings.append((time.perf_counter_ns() - t0) / 1000)
    timings.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"knowledge base load + index: {load_ms:.0f} ms")
    print(f"messages: {len(messages)} distinct x {rounds} rounds = {len(timings)} decisions")
    print(f"per message: p50 {statistics.median(timings):.0f} us, p99 {p99:.0f} us, "
          f"max {timings[-1]:.0f} us")  # fmt: skip
    cold = load_content(DEFAULT_CLINIC_FILE).matcher
    t0 = time.perf_counter_ns()
    for message in messages:
        cold.decide(message)
    cold_us = (time.perf_counter_ns() - t0) / 1000 / len(messages)
    print(f"first sight of each message (cold typo cache): mean {cold_us:.0f} us")


if __name__ == "__main__":
    main()
