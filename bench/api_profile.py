"""Where cluster mode's API process spends its time per ingested event, on the way to Kafka.

Run: `python -m bench.api_profile [--events 20000]`. Prints one JSON object. It starts its own Kafka broker and
drives the API's real ingest path in this process (FastAPI app through an ASGI client, IngestService, the
Kafka event log with its idempotent acks=all producer, the duplicate lookup in an embedded store), timing each
step: body parsing (split), contract validation, the duplicate lookup in ClickHouse, envelope encoding of the
records, and the producer's publish until every record is acknowledged (wall time: it waits on the broker).
Steps are timed in CPU of the thread that runs them (so the figures hold on a loaded machine), the publish in
wall time; the process's whole CPU per event is beside them. The HTTP server (uvicorn) is not in the path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.eval_rate import rag_calls
from telltale_server.schemas.settings import Settings
from telltale_server.services.api.app import create_app
from telltale_server.services.auth.keys import KeyRing
from telltale_server.services.auth.projects import create_project
from telltale_server.services.ingest import kafka_log, service
from telltale_server.services.runtime import open_cluster
from telltale_server.streams.kafka.admin import ensure_topics
from tests.integration.kafka.support import Broker

SPENT: dict[str, float] = defaultdict(float)


def timed(name: str, fn: Callable[..., Any], clock: Callable[[], float] = time.perf_counter) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[name] += clock() - started

    return wrapper


def timed_async(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - started

    return wrapper


async def drive(app: Any, key: str, bodies: list[bytes]) -> tuple[float, int]:
    """Post each body until it is acknowledged (a 503 — the broker did not ack in 5 s — is sent again)."""
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    retries = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://api", headers=headers, timeout=120) as client:
        started = time.perf_counter()
        for body in bodies:
            while (response := await client.post("/v1/inference", content=body)).status_code == 503:
                retries += 1
                await asyncio.sleep(1)
            assert response.status_code == 200, response.text[:300]
        return time.perf_counter() - started, retries


async def measure(rt: Any, app: Any, key: str, bodies: list[bytes]) -> tuple[float, int, float]:
    """Warm the producer up with one request, then time them all (one event loop, as in the server)."""
    await drive(app, key, bodies[:1])
    SPENT.clear()
    cpu = time.process_time()
    wall, retries = await drive(app, key, bodies)
    cpu = time.process_time() - cpu
    await rt.jobs[0].publisher.close()
    return wall, retries, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    calls = rag_calls(args.events)
    bodies = [orjson.dumps(calls[i : i + args.batch]) for i in range(0, len(calls), args.batch)]
    cpu = time.thread_time  # each step's own thread's CPU: wall time on a loaded machine would count preemption
    service.split = timed("split (parse the body)", service.split, cpu)
    service.validate = timed("validate (pydantic contracts)", service.validate, cpu)
    kafka_log.fresh = timed("duplicate lookup (ClickHouse)", kafka_log.fresh, cpu)
    kafka_log.event_record = timed("envelope encoding", kafka_log.event_record, cpu)
    kafka_log.KafkaEventLog._publish = timed_async("publish until acked (wall)", kafka_log.KafkaEventLog._publish)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        broker = Broker(Path(tmp) / "kafka")
        broker.start()
        try:
            asyncio.run(ensure_topics(broker.bootstrap))
            rt = open_cluster(Settings(data_dir=Path(tmp) / "data", kafka_bootstrap=broker.bootstrap), roles=())
            try:
                create_project(rt.store, "main")
                key, _ = KeyRing(rt.store).create("main", ("ingest",), "bench")
                wall, retries, process_cpu = asyncio.run(measure(rt, create_app(rt), key, bodies))
            finally:
                rt.close()
        finally:
            broker.stop()
    per_event = {name: round(seconds / args.events * 1e6, 1) for name, seconds in SPENT.items()}
    accounted = sum(v for k, v in SPENT.items() if "wall" not in k)
    print(
        json.dumps(
            {
                "events": args.events,
                "batch": args.batch,
                "event_bytes_avg": round(sum(len(b) for b in bodies) / args.events),
                "events_per_s": round(args.events / wall),
                "requests_sent_again_after_503": retries,
                "process_cpu_us_per_event": round(process_cpu / args.events * 1e6, 1),
                "us_per_event": per_event,
                "other_cpu_us_per_event (FastAPI, auth, response, asyncio, producer, chDB threads)": round(
                    max(0.0, process_cpu - accounted) / args.events * 1e6, 1
                ),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
