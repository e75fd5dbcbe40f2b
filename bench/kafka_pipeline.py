"""Cluster-mode benchmark: events/s from the ingest API through Kafka and one worker until queryable in ClickHouse.

Run: `python -m bench.kafka_pipeline [--events 100000]`. Prints one JSON object. It starts its own Kafka broker
(infra/kafka/broker), then measures, on the same machine and the same ~1.1 KB RAG events:

- pipeline: `telltale up` (API + store role, chDB) and one `telltale worker --roles evaluate` process, with
  TELLTALE_EVALUATORS='["usage"]'; the clock runs from the first POST until every event and its evaluations
  are committed by both consumer groups (so stored and queryable);
- ceiling: a bare aiokafka consumer (getmany 2000 → parse → insert into chDB → commit) reading the same
  records from the inference topic into a fresh chDB store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson
from aiokafka import AIOKafkaConsumer

from telltale_server.schemas import topics
from telltale_server.schemas.envelope import PROJECT, header
from telltale_server.schemas.store import Store
from telltale_server.services.demo.generator import DemoTraffic
from telltale_server.streams.kafka.admin import ensure_topics
from telltale_server.streams.runners.evaluate import APP_ID as EVALUATE_GROUP
from telltale_server.streams.runners.store.consumer import GROUP_ID as STORE_GROUP
from telltale_server.streams.runners.store.consumer import TOPICS as STORE_TOPICS
from tests.integration.kafka.support import Broker, Worker, cluster_env, lag
from tests.support.server import INGEST_KEY, TelltaleServer

BATCH = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    calls = [call.inference for call in DemoTraffic(seed=42).calls(args.events)]
    bodies = [orjson.dumps(calls[i : i + BATCH]) for i in range(0, len(calls), BATCH)]
    with tempfile.TemporaryDirectory() as tmp:
        broker = Broker(Path(tmp) / "kafka")
        broker.start()
        try:
            asyncio.run(ensure_topics(broker.bootstrap))
            pipeline = run_pipeline(Path(tmp), broker, bodies, args.concurrency, args.events)
            ceiling = asyncio.run(run_ceiling(Path(tmp) / "ceiling", broker.bootstrap, args.events))
        finally:
            broker.stop()
    result = {
        "events": args.events,
        "event_bytes_avg": round(sum(len(b) for b in bodies) / args.events),
        "partitions": topics.INFERENCE.partitions,
        "pipeline": pipeline,
        "ceiling": ceiling,
        "pipeline_share_of_ceiling": round(pipeline["events_per_s"] / ceiling["events_per_s"], 3),
    }
    print(json.dumps(result, indent=2))


def run_pipeline(tmp: Path, broker: Broker, bodies: list[bytes], concurrency: int, total: int) -> dict[str, object]:
    """API + store role in one process, the evaluate role in a worker process; the clock stops when all is stored."""
    server = TelltaleServer(tmp / "data", env=cluster_env(broker, roles="store"))
    server.start()
    worker = Worker(tmp / "worker", cluster_env(broker, roles="evaluate")).start()
    try:
        wait_until(lambda: asyncio.run(lag(broker.bootstrap, EVALUATE_GROUP, (topics.INFERENCE.name,))) == 0, 120)
        started = time.perf_counter()
        send_all(server, bodies, concurrency)
        acked = time.perf_counter() - started
        wait_until(lambda: drained(broker.bootstrap), 900, poll_s=0.1)
        done = time.perf_counter() - started
    finally:
        worker.stop()
        server.stop()
    return {
        "ingest_ack_s": round(acked, 2),
        "ingest_events_per_s": round(total / acked),
        "stored_and_evaluated_s": round(done, 2),
        "events_per_s": round(total / done),
    }


def send_all(server: TelltaleServer, bodies: list[bytes], concurrency: int) -> None:
    queue = list(reversed(bodies))
    lock = threading.Lock()

    def sender() -> None:
        headers = {"Authorization": f"Bearer {INGEST_KEY}", "Content-Type": "application/json"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                response = client.post("/v1/inference", content=body)
                if response.status_code != 200:
                    raise RuntimeError(f"ingest answered {response.status_code}: {response.text[:200]}")

    threads = [threading.Thread(target=sender) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def drained(bootstrap: str) -> bool:
    """Both groups committed everything: every event stored, evaluated, and its evaluations stored."""
    if asyncio.run(lag(bootstrap, EVALUATE_GROUP, (topics.INFERENCE.name,))):
        return False
    return asyncio.run(lag(bootstrap, STORE_GROUP, STORE_TOPICS)) == 0


def wait_until(condition, timeout_s: float, poll_s: float = 0.5) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark condition not reached")
        time.sleep(poll_s)


_CEILING_DDL = """
CREATE TABLE raw_inference (project_id String, event_id UUID, ts String, model String, payload String)
ENGINE = MergeTree ORDER BY (project_id, ts, event_id)
"""


async def run_ceiling(data_dir: Path, bootstrap: str, total: int) -> dict[str, object]:
    """A bare aiokafka consumer: getmany 2000 → parse → insert into chDB → commit, for the same records."""
    store = Store(f"chdb://{data_dir}")
    store.command(_CEILING_DDL)
    consumer = AIOKafkaConsumer(
        topics.INFERENCE.name,
        bootstrap_servers=bootstrap,
        group_id="bench-ceiling",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_bytes=32 * 1024 * 1024,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    seen = 0
    try:
        started = None
        while seen < total:
            fetched = await consumer.getmany(timeout_ms=500, max_records=2000)
            started = started or (time.perf_counter() if fetched else None)
            rows = []
            for records in fetched.values():
                for record in records:
                    event = orjson.loads(record.value)
                    project = header(record.headers, PROJECT)
                    rows.append(
                        orjson.dumps(
                            {
                                "project_id": project,
                                "event_id": event["event_id"],
                                "ts": event["ts"],
                                "model": event["model"],
                                "payload": record.value.decode(),
                            }
                        )
                    )
            if rows:
                await asyncio.to_thread(store.insert_json, "raw_inference", b"\n".join(rows))
                await consumer.commit()
                seen += len(rows)
        elapsed = time.perf_counter() - (started or 0.0)
    finally:
        await consumer.stop()
        store.close()
    return {"seconds": round(elapsed, 2), "events_per_s": round(seen / elapsed)}


if __name__ == "__main__":
    main()
