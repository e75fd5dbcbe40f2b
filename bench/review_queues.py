"""Review queues benchmark, printed as JSON: fill a queue from a large store, take items, review them twice and
compute agreement, on an embedded store of its own filled as the datasets benchmark fills it.

The queue takes negative-feedback calls the groundedness evaluator labelled ungrounded, at a sample rate;
two reviewers then take and review `--reviews` items each (the same items: two reviews required).

    .venv/bin/python -m bench.review_queues [--events 1000000] [--sample-rate 0.05] [--reviews 500]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.datasets import PROJECT, fill
from telltale_server.schemas.migrate import migrate
from telltale_server.schemas.store import Store
from telltale_server.services.review import claims, reviews
from telltale_server.services.review import fill as queue_fill
from telltale_server.services.review.agreement import reviewer_agreement
from telltale_server.services.review.catalog import QueueCatalog
from telltale_server.services.review.evaluator_agreement import evaluator_agreement
from telltale_server.services.review.schema import QueueSpec
from telltale_server.services.review.submit import write_review

KEY = "groundedness.score:ungrounded"


def review_pairs(store: Store, queue: Any, count: int) -> dict[str, float]:
    """Each of two reviewers takes and reviews `count` items (the store side of a review: the feedback it sends is
    ingest's cost); returns ms per claim and per review."""
    claimed = reviewed = 0.0
    for n in range(count):
        for reviewer in ("alice", "bob"):
            started = time.perf_counter()
            taken = claims.claim(store, queue, reviewer)
            claimed += time.perf_counter() - started
            assert taken is not None
            body = reviews.ReviewBody(categories=["wrong" if n % 3 else "fine"], verdicts={KEY: n % 4 != 0})
            started = time.perf_counter()
            write_review(store, queue, taken.event_id, reviewer, body)
            reviewed += time.perf_counter() - started
    return {"claim_ms": round(claimed / count / 2 * 1000, 1), "review_ms": round(reviewed / count / 2 * 1000, 1)}


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--events", type=int, default=1_000_000)
    cli.add_argument("--sample-rate", type=float, default=0.05)
    cli.add_argument("--reviews", type=int, default=500)
    args = cli.parse_args()
    with tempfile.TemporaryDirectory(prefix="telltale-bench-review-") as tmp:
        store = Store(f"chdb://{Path(tmp) / 'clickhouse'}")
        try:
            migrate(store)
            filled = fill(store, args.events)
            spec = {
                "name": "bench",
                "filter": {"feedback": {"negative": True}, "evaluators": [{"evaluator": "groundedness"}]},
                "sample_rate": args.sample_rate,
                "reviews_required": 2,
                "schema": {
                    "categories": ["wrong", "fine"],
                    "verdicts": [{"evaluator": "groundedness", "metric": "score", "label": "ungrounded"}],
                },
            }
            queue = QueueCatalog(store).save(PROJECT, QueueSpec.model_validate(spec))
            passes, started = [], time.perf_counter()
            while added := queue_fill.fill(store, queue, datetime.now(UTC)):
                passes.append(added)
            fill_s = time.perf_counter() - started
            timings = review_pairs(store, queue, args.reviews)
            found = reviews.find(store, queue)
            started = time.perf_counter()
            reviewer_agreement(queue, found)
            [measured] = evaluator_agreement(store, queue, found)
            agreement_s = time.perf_counter() - started
            result = {
                "stored_events": args.events,
                "store_fill_seconds": filled,
                "queue_items": sum(passes),
                "fill_passes": len(passes) + 1,
                "fill_seconds": round(fill_s, 2),
                "reviews": len(found),
                **timings,
                "agreement_seconds": round(agreement_s, 2),
                "evaluator_items": measured.reviewed,
            }
        finally:
            store.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
