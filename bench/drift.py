"""Drift benchmark, printed as JSON: the time and peak memory of one window, and of twenty segments.

One window compares a reference of 50,000 calls with a current window of 10,000 (issue figures): eight
numeric/categorical signals (latency, input/output tokens, cost, a groundedness score, model, route,
status), two text signals (input and output length through Evidently descriptors) and the embeddings of
input and output. Each case runs in a fresh process on its own embedded store, filled first; it times the
read of both sides from ClickHouse, the computation (Evidently report + embedding drift on a seeded
sample of `embedding_rows` texts per side, as shipped) and the write of the results, and reports the
process's peak RSS. A third figure is Evidently's classifier method on unsampled 384-dim vectors
(MiniLM-sized) at 50,000 vs 10,000, to show what sampling saves.

    .venv/bin/python -m bench.drift [--reference 50000] [--current 10000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.schemas.migrate import migrate
from telltale_server.schemas.rows import evaluation_row, inference_row
from telltale_server.schemas.store import Store
from telltale_server.streams.drift import frames, results
from telltale_server.streams.drift.compute import compute_window
from telltale_server.streams.drift.config import MonitorConfig
from telltale_server.streams.sink import Sink

SIGNALS = [
    *("latency_ms", "input_tokens", "output_tokens", "cost", "groundedness.score", "model", "route", "status"),
    *("input.length", "output.length", "input.embedding", "output.embedding"),
]
TOPICS = ("invoice", "refund", "password", "export", "api limit", "single sign-on", "uptime", "data region")
NEW_TOPICS = ("gpu quota", "fine-tuning", "batch inference")
HOUR = timedelta(hours=1)


def fill(store: Store, n: int, start: datetime, seed: int, shifted: bool, models: int) -> None:
    """n calls in [start, start + 1 h): the current window has longer answers, slower calls, new topics."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    sink = Sink(store)
    for offset in range(0, n, 10_000):
        events, scores = [], []
        for _ in range(min(10_000, n - offset)):
            topic = rng.choice(TOPICS + (NEW_TOPICS if shifted else ()))
            event = InferenceEvent.model_validate(
                {
                    "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "ts": (start + timedelta(seconds=3600 * rng.random())).isoformat(),
                    "model": f"model-{rng.randrange(models)}",
                    "route": rng.choice(("support", "billing", "search")),
                    "input": f"How do I handle the {topic} question number {rng.randrange(1000)} for my team?",
                    "output": " ".join(
                        ["Open the settings page and follow the steps for " + topic + "."]
                        * rng.randint(2 if shifted else 1, 6 if shifted else 3)
                    ),
                    "usage": {
                        "input_tokens": rng.randint(200, 900),
                        "output_tokens": rng.randint(20, 300),
                        "cost": rng.uniform(0.0001, 0.01),
                    },
                    "latency_ms": rng.lognormvariate(6.5, 0.4) * (1.3 if shifted else 1.0),
                    "status": "error" if rng.random() < 0.03 else "ok",
                }
            )
            events.append(inference_row("bench", event, now))
            evaluation = Evaluation(
                event_id=event.event_id,
                evaluator="groundedness",
                evaluator_version="b",
                metric="score",
                value=rng.betavariate(8, 2),
                label="grounded",
            )
            scores.append(evaluation_row("bench", event, evaluation, now))
        sink.inference(events)
        sink.evaluations(scores)


def one_case(name: str, reference: int, current: int, segments: list[str], models: int, out: Any) -> None:
    """Runs in its own process: fill a store, then time read, compute and write of one window."""
    store = Store(f"chdb://{tempfile.mkdtemp(prefix='bench-drift-')}")
    migrate(store)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    fill(store, reference, start, 1, False, models)
    fill(store, current, start + HOUR, 2, True, models)
    cfg = MonitorConfig(signals=SIGNALS, segments=segments, top_k=20, reference={"windows": 1})
    began = time.perf_counter()
    ref = frames.read(store, frames.Side("bench", start, start + HOUR), cfg.max_rows)
    cur = frames.read(store, frames.Side("bench", start + HOUR, start + 2 * HOUR), cfg.max_rows)
    read_s = time.perf_counter() - began
    began = time.perf_counter()
    found = compute_window(cur, ref, cfg.model_dump(mode="json"), seed=7)
    compute_s = time.perf_counter() - began
    began = time.perf_counter()
    key = results.WindowKey("bench", "bench", start + HOUR, start + 2 * HOUR, cfg.reference.describe(cfg.window_s))
    results.write(store, key, found)
    write_s = time.perf_counter() - began
    overall = found[0]
    out.put(
        {
            "case": name,
            "reference_rows": len(ref),
            "current_rows": len(cur),
            "segments": len(found),
            "signals_judged": len(overall.evaluated),
            "drifted_in_all": sorted(s.signal for s in overall.evaluated if s.drifted),
            "read_s": round(read_s, 2),
            "compute_s": round(compute_s, 2),
            "write_s": round(write_s, 2),
            "total_s": round(read_s + compute_s + write_s, 2),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    )


def unsampled_embeddings(reference: int, current: int, out: Any) -> None:
    """Evidently's classifier method on full 384-dim matrices (no sampling), with its memory."""
    from telltale_server.streams.drift.embedding import compare

    rng = np.random.default_rng(0)
    ref = rng.normal(size=(reference, 384)).astype(np.float32)
    cur = rng.normal(loc=0.02, size=(current, 384)).astype(np.float32)
    began = time.perf_counter()
    found = compare(ref, cur)
    out.put(
        {
            "case": "embedding_method_unsampled_384d",
            "seconds": round(time.perf_counter() - began, 2),
            "roc_auc": round(found.score, 3),
            "drifted": found.drifted,
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    )


def run(target: Any, *args: Any) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=target, args=(*args, out))
    process.start()
    found = out.get()
    process.join()
    return found


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--reference", type=int, default=50_000)
    cli.add_argument("--current", type=int, default=10_000)
    args = cli.parse_args()
    cases = [
        run(one_case, "one_window", args.reference, args.current, [], 20),
        run(one_case, "twenty_segments", args.reference, args.current, ["model"], 20),
        run(unsampled_embeddings, args.reference, args.current),
    ]
    print(json.dumps({"benchmark": "drift", "targets": {"seconds": 20, "peak_mib": 2048}, "cases": cases}, indent=2))


if __name__ == "__main__":
    main()
