"""Scoring-rate benchmark: realistic RAG calls sent as fast as a fresh server takes them, with the default
evaluators; how fast they are scored, how far scoring falls behind, and what ingest latency does meanwhile.

Run (prints one JSON object; re-run it on a quiet machine, the load average is reported beside the figures):

    python -m bench.eval_rate [--calls 6000]                        # local mode: `telltale up`, evaluator processes
    python -m bench.eval_rate --workers 0                           # local mode, scoring in the server's process
    python -m bench.eval_rate --cluster --evaluate-workers 1        # Kafka: API + store role, N evaluate workers
    python -m bench.eval_rate --cluster --evaluate-workers 2

A call is a user question, 3 retrieved passages of ~150 words and a ~100-word answer (help-centre texts of the
demo, varied per call). `scored_per_s` runs from the first send until the backlog is 0 (local: /ready's backlog
and in-flight; Kafka: the evaluate and store groups' committed lag); `ingest_ms` is each POST's latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from telltale_server.schemas import topics
from telltale_server.services.demo import corpus
from telltale_server.services.demo.generator import DemoTraffic
from telltale_server.streams.kafka.admin import ensure_topics
from telltale_server.streams.runners.evaluate import APP_ID as EVALUATE_GROUP
from telltale_server.streams.runners.store.consumer import GROUP_ID as STORE_GROUP
from telltale_server.streams.runners.store.consumer import TOPICS as STORE_TOPICS
from tests.integration.kafka.support import Broker, Worker, cluster_env, lag
from tests.support.server import INGEST_KEY, TelltaleServer

DEFAULT_EVALUATORS = '["usage","safety.pii","groundedness","safety.prompt_injection","safety.toxicity"]'


def rag_calls(count: int, seed: int = 42) -> list[dict[str, Any]]:
    """Demo calls made RAG-sized: 3 passages of ~150 words and an answer of ~100 words, different per call."""
    rng = random.Random(seed)
    texts = [fact.passage for fact in corpus.FACTS] + list(corpus.DISTRACTORS)
    calls = []
    for call in DemoTraffic(seed=seed).calls(count):
        event = call.inference
        event["contexts"] = [{"id": f"kb-{i}", "text": _words(rng, texts, 150)} for i in range(3)]
        event["output"] = _words(rng, [fact.answer for fact in corpus.FACTS] + texts, 100)
        event["status"], event["error"] = "ok", None
        calls.append(event)
    return calls


def _words(rng: random.Random, texts: list[str], words: int) -> str:
    chosen: list[str] = []
    while len(chosen) < words:
        chosen += rng.choice(texts).split()
    return " ".join(chosen[:words])


class Sender:
    """Posts the batches from `threads` clients as fast as the server answers; keeps each request's latency."""

    def __init__(self, url: str, bodies: list[bytes], threads: int) -> None:
        self.url = url
        self.queue = list(reversed(bodies))
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.threads = [threading.Thread(target=self._send) for _ in range(threads)]
        self.failures: list[str] = []

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def done(self) -> bool:
        return not any(thread.is_alive() for thread in self.threads)

    def _send(self) -> None:
        headers = {"Authorization": f"Bearer {INGEST_KEY}", "Content-Type": "application/json"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=120) as client:
            while True:
                with self.lock:
                    if not self.queue:
                        return
                    body = self.queue.pop()
                started = time.perf_counter()
                response = client.post("/v1/inference", content=body)
                elapsed = time.perf_counter() - started
                with self.lock:
                    self.latencies.append(elapsed)
                    if response.status_code != 200:
                        self.failures.append(f"{response.status_code}: {response.text[:200]}")


def measure(url: str, bodies: list[bytes], threads: int, backlog: Callable[[], int], poll_s: float) -> dict[str, Any]:
    """Send everything; poll the backlog until it is 0 after the last send."""
    sender = Sender(url, bodies, threads)
    started = time.perf_counter()
    sender.start()
    peak, acked_s = 0, None
    while True:
        current = backlog()
        peak = max(peak, current)
        if acked_s is None and sender.done():
            acked_s = time.perf_counter() - started
        if acked_s is not None and current == 0:
            break
        time.sleep(poll_s)
    scored_s = time.perf_counter() - started
    calls = sum(len(orjson.loads(body)) for body in bodies)
    latencies = sorted(sender.latencies)
    return {
        "calls": calls,
        "scored_s": round(scored_s, 1),
        "scored_per_s": round(calls / scored_s, 1),
        "acked_s": round(acked_s or 0, 2),
        "ingest_per_s": round(calls / acked_s) if acked_s else None,
        "peak_backlog": peak,
        "ingest_ms": {
            "p50": round(statistics.median(latencies) * 1000),
            "p99": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000),
            "max": round(latencies[-1] * 1000),
        },
        "ingest_failures": len(sender.failures),
    }


def local(tmp: Path, bodies: list[bytes], threads: int, workers: int | None) -> dict[str, Any]:
    env = {"TELLTALE_EVALUATORS": DEFAULT_EVALUATORS, "TELLTALE_DRIFT_ENABLED": "false"}
    if workers is not None:
        env["TELLTALE_EVALUATOR_WORKERS"] = str(workers)
    server = TelltaleServer(tmp / "data", env=env).start()
    try:
        _warm(server)

        def backlog() -> int:
            runner = httpx.get(f"{server.url}/ready", timeout=60).json()["runner"]
            return runner["backlog"]  # in-flight events are part of it until their rows are stored

        result = measure(server.url, bodies, threads, backlog, 0.5)
        result["evaluator_processes"] = httpx.get(f"{server.url}/ready", timeout=60).json()["runner"]["workers"]
        return result
    finally:
        server.stop()


def cluster(tmp: Path, bodies: list[bytes], threads: int, evaluate_workers: int) -> dict[str, Any]:
    broker = Broker(tmp / "kafka")
    broker.start()
    workers: list[Worker] = []
    try:
        asyncio.run(ensure_topics(broker.bootstrap))
        server = TelltaleServer(tmp / "data", env=cluster_env(broker, roles="store")).start()
        env = {**cluster_env(broker, roles="evaluate"), "TELLTALE_EVALUATORS": DEFAULT_EVALUATORS}
        workers = [Worker(tmp / f"worker-{i}", env).start() for i in range(evaluate_workers)]
        try:
            _warm(server)
            _wait(lambda: _lag(broker.bootstrap) == 0)

            result = measure(server.url, bodies, threads, lambda: _lag(broker.bootstrap), 1.0)
            result["evaluate_workers"] = evaluate_workers
            result["partitions"] = topics.INFERENCE.partitions
            return result
        finally:
            for worker in workers:
                worker.stop()
            server.stop()
    finally:
        broker.stop()


def _lag(bootstrap: str) -> int:
    """Events not yet evaluated, plus records (events, evaluations) not yet stored."""
    evaluate = asyncio.run(lag(bootstrap, EVALUATE_GROUP, (topics.INFERENCE.name,)))
    return evaluate + asyncio.run(lag(bootstrap, STORE_GROUP, STORE_TOPICS))


def _warm(server: TelltaleServer) -> None:
    """One call through the whole path first, so model loading is not counted as scoring time."""
    body = orjson.dumps(rag_calls(1, seed=1))
    with httpx.Client(headers={"Authorization": f"Bearer {INGEST_KEY}"}, timeout=120) as client:
        assert client.post(f"{server.url}/v1/inference", content=body).status_code == 200
    _wait(lambda: httpx.get(f"{server.url}/ready", timeout=60).json().get("runner", {}).get("backlog", 0) == 0)


def _wait(condition: Callable[[], bool], timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark condition not reached")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=100, help="calls per request")
    parser.add_argument("--concurrency", type=int, default=4, help="clients sending at once")
    parser.add_argument("--workers", type=int, help="local mode: TELLTALE_EVALUATOR_WORKERS (default: one per CPU)")
    parser.add_argument("--cluster", action="store_true", help="the Kafka pipeline instead of local mode")
    parser.add_argument("--evaluate-workers", type=int, default=1, help="Kafka: `telltale worker --roles evaluate`s")
    args = parser.parse_args()
    calls = rag_calls(args.calls)
    bodies = [orjson.dumps(calls[i : i + args.batch]) for i in range(0, len(calls), args.batch)]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        if args.cluster:
            result = cluster(Path(tmp), bodies, args.concurrency, args.evaluate_workers)
        else:
            result = local(Path(tmp), bodies, args.concurrency, args.workers)
    result.update(
        mode="cluster" if args.cluster else "local",
        batch=args.batch,
        concurrency=args.concurrency,
        call_bytes_avg=round(sum(len(b) for b in bodies) / args.calls),
        cpus=os.cpu_count(),
        load_average_before=[round(x, 2) for x in load_before],
        load_average_after=[round(x, 2) for x in os.getloadavg()],
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
