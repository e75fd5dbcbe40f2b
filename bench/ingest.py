"""Ingest benchmark: ~1 KB RAG events in batches of 500 over HTTP to local mode, until all are queryable.

Run: `python -m bench.ingest [--events 200000] [--concurrency 4]`. Prints one JSON object.
The load generator runs on the same 2-core machine, with pre-serialised bodies to cost it as little as possible.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson

from telltale_server.services.demo.generator import DemoTraffic
from tests.support.server import ADMIN_KEY, INGEST_KEY, TelltaleServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--evaluators", default='["usage"]', help="TELLTALE_EVALUATORS for the server (JSON list)")
    args = parser.parse_args()

    calls = [call.inference for call in DemoTraffic(seed=42).calls(args.events)]
    bodies = [orjson.dumps(calls[i : i + args.batch]) for i in range(0, len(calls), args.batch)]
    event_bytes = sum(len(orjson.dumps(call)) for call in calls[:2000]) / min(2000, len(calls))

    with tempfile.TemporaryDirectory() as tmp:
        server = TelltaleServer(Path(tmp) / "data", env={"TELLTALE_EVALUATORS": args.evaluators}).start()
        try:
            result = run(server, bodies, args.concurrency)
            result.update(
                events=args.events, batch=args.batch, concurrency=args.concurrency, event_bytes_avg=round(event_bytes)
            )
        finally:
            server.stop()
    print(json.dumps(result, indent=2))


def run(server: TelltaleServer, bodies: list[bytes], concurrency: int) -> dict[str, object]:
    latencies: list[float] = []
    queue = list(reversed(bodies))
    lock = threading.Lock()
    failures: list[int] = []

    def worker() -> None:
        with httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {INGEST_KEY}", "Content-Type": "application/json"},
            timeout=60,
        ) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                started = time.perf_counter()
                response = client.post("/v1/inference", content=body)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status_code != 200:
                        failures.append(response.status_code)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    acked = time.perf_counter() - started
    expected = sum(len(orjson.loads(body)) for body in bodies)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=60) as client:
        while True:
            rows = client.get("/v1/metrics/summary", params={"from": "2000-01-01T00:00:00Z"}).json()["rows"]
            if rows and rows[0]["count"] >= expected:
                break
            time.sleep(0.05)
    queryable = time.perf_counter() - started
    server.wait_processed(timeout_s=600)
    evaluated = time.perf_counter() - started
    latencies.sort()
    return {
        "failed_requests": len(failures),
        "ingest_ack_s": round(acked, 2),
        "queryable_s": round(queryable, 2),
        "events_per_s_queryable": round(expected / queryable),
        "batch_latency_ms": {
            "p50": round(statistics.median(latencies) * 1000, 1),
            "p99": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
            "max": round(latencies[-1] * 1000, 1),
        },
        "evaluated_s": round(evaluated, 2),
        "events_per_s_evaluated": round(expected / evaluated),
    }


if __name__ == "__main__":
    main()
