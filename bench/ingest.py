"""Ingest benchmark: ~1 KB RAG events in batches of 500 over HTTP to local mode, until all are queryable.

Run: `python -m bench.ingest [--events 200000] [--concurrency 4]`. Prints one JSON object, with the server's CPU
per accepted event split into its Python threads and the embedded store's own threads, and the load average.
The load generator runs on the same 2-core machine, with pre-serialised bodies to cost it as little as possible.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson

from telltale_server.services.demo.generator import DemoTraffic
from tests.support.server import ADMIN_KEY, INGEST_KEY, TelltaleServer

TICKS = os.sysconf("SC_CLK_TCK")


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
    result = serve_and_run(bodies, [len(calls[i : i + args.batch]) for i in range(0, len(calls), args.batch)], args)
    result.update(event_bytes_avg=round(event_bytes))
    print(json.dumps(result, indent=2))


def serve_and_run(bodies: list[bytes], counts: list[int], args: argparse.Namespace, **request: str) -> dict:
    """Start a local-mode server, send the bodies, and measure until every event is queryable and evaluated."""
    with tempfile.TemporaryDirectory() as tmp:
        server = TelltaleServer(Path(tmp) / "data", env={"TELLTALE_EVALUATORS": args.evaluators}).start()
        try:
            result = run(server, bodies, sum(counts), args.concurrency, **request)
            result.update(events=sum(counts), batch=args.batch, concurrency=args.concurrency)
        finally:
            server.stop()
    return result


def run(
    server: TelltaleServer,
    bodies: list[bytes],
    expected: int,
    concurrency: int,
    path: str = "/v1/inference",
    content_type: str = "application/json",
) -> dict[str, object]:
    latencies: list[float] = []
    queue = list(reversed(bodies))
    lock = threading.Lock()
    failures: list[int] = []
    assert server.process is not None
    pid = server.process.pid

    def worker() -> None:
        with httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {INGEST_KEY}", "Content-Type": content_type},
            timeout=60,
        ) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                started = time.perf_counter()
                response = client.post(path, content=body)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status_code != 200:
                        failures.append(response.status_code)

    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    acked = time.perf_counter() - started
    cpu_acked = cpu_seconds(pid)
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=60) as client:
        while True:
            rows = client.get("/v1/metrics/summary", params={"from": "2000-01-01T00:00:00Z"}).json()["rows"]
            if rows and rows[0]["count"] >= expected:
                break
            time.sleep(0.05)
    queryable = time.perf_counter() - started
    server.wait_processed()
    evaluated = time.perf_counter() - started
    latencies.sort()
    python_s, store_s = (cpu_acked[key] - cpu_before[key] for key in ("python", "store"))
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
        "server_cpu_us_per_event_until_acked": {
            "python_threads": round(python_s / expected * 1e6, 1),
            "store_threads": round(store_s / expected * 1e6, 1),
            "store_ceiling_events_per_s": round(expected / store_s) if store_s else None,
        },
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }


def cpu_seconds(pid: int) -> dict[str, float]:
    """CPU time of the server's threads: the interpreter's (named like the process) and the embedded store's
    (ClickHouse names its threads), from /proc."""
    main_name = Path(f"/proc/{pid}/comm").read_text().strip()
    totals = {"python": 0.0, "store": 0.0}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / TICKS
        totals["python" if name == main_name or name.startswith("asyncio") else "store"] += seconds
    return totals


if __name__ == "__main__":
    main()
