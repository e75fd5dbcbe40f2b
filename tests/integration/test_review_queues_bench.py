"""The README's review queues benchmark runs as written (small), and its figures add up."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.server import ROOT


def test_the_benchmark_fills_reviews_and_measures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.review_queues", "--events", "20000", "--sample-rate", "0.2", "--reviews", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    figures = json.loads(done.stdout)
    assert 300 < figures["queue_items"] < 500, figures  # 10% of calls qualify (negative feedback), a fifth sampled
    assert figures["reviews"] == 10 and figures["evaluator_items"] == 5
    assert figures["claim_ms"] > 0 and figures["review_ms"] > 0
