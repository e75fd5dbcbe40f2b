"""Helpers for the cluster-mode tests: the broker, worker processes, senders and the drain check."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from telltale_server.schemas import topics
from telltale_server.streams.runners.evaluate import APP_ID as EVALUATE_GROUP
from telltale_server.streams.runners.store.consumer import GROUP_ID as STORE_GROUP
from telltale_server.streams.runners.store.consumer import TOPICS as STORE_TOPICS
from tests.support import events
from tests.support.server import INGEST_KEY, ROOT, TelltaleServer, free_port, query_store

BROKER_SCRIPT = ROOT / "infra" / "kafka" / "broker"


@dataclass
class Broker:
    """One single-node Kafka broker on free ports, driven through the repository's broker script."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _run(self, command: str) -> None:
        env = {
            **os.environ,
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KAFKA_DATA_DIR": str(self.data_dir),
        }
        subprocess.run([str(BROKER_SCRIPT), command], env=env, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run("start")

    def stop(self) -> None:
        self._run("stop")


def cluster_env(broker: Broker, roles: str = "store,evaluate") -> dict[str, str]:
    """Environment for a cluster-mode process: the broker, the roles, and the cheap usage evaluator only."""
    return {
        "TELLTALE_KAFKA_BOOTSTRAP": broker.bootstrap,
        "TELLTALE_ROLES": roles,
        "TELLTALE_EVALUATORS": '["usage"]',
        "TELLTALE_METRICS_PORT": "0",  # several workers on one host: no fixed /metrics port (tests that scrape set one)
    }


def cluster_server(tmp: Path, broker: Broker, roles: str = "store,evaluate") -> TelltaleServer:
    """`telltale up` on Kafka, with a project of its own so tests sharing the broker never count each other."""
    return TelltaleServer(tmp / "data", project=f"p-{uuid.uuid4().hex[:10]}", env=cluster_env(broker, roles))


@dataclass
class Worker:
    """A `telltale worker` process; start, stop or kill it like an operator would."""

    data_dir: Path
    env: dict[str, str]
    roles: str = "evaluate"
    process: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}-worker.log"

    def start(self) -> Worker:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "telltale_server.services.cli.main", "worker", "--roles", self.roles],
            cwd=ROOT,
            env={**os.environ, "TELLTALE_DATA_DIR": str(self.data_dir), **self.env},
            stdout=log,
            stderr=log,
        )
        return self

    def kill(self) -> None:
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        self._end(signal.SIGTERM)

    def _end(self, sig: signal.Signals) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=60)
        self.process = None


def post(client: httpx.Client, batch: list[dict[str, Any]]) -> httpx.Response:
    return client.post("/v1/inference", content=orjson.dumps(batch), headers={"Content-Type": "application/json"})


def send(server: TelltaleServer, count: int, batch: int = 1000) -> list[str]:
    """Send `count` valid events in batches; returns their ids once every batch was acknowledged (200)."""
    ids: list[str] = []
    with server.client(INGEST_KEY) as client:
        for start in range(0, count, batch):
            items = [events.inference(latency_ms=100.0) for _ in range(min(batch, count - start))]
            response = post(client, items)
            assert response.status_code == 200, response.text
            ids.extend(item["event_id"] for item in items)
    return ids


async def lag(bootstrap: str, group: str, names: tuple[str, ...]) -> int:
    """Records of these topics the group has not committed yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        described = await admin.describe_topics(list(names))
        partitions = [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]
        assert partitions, f"no partitions found for {names}"
        ends = await consumer.end_offsets(partitions)
        return sum(end - (committed[tp].offset if tp in committed else 0) for tp, end in ends.items())
    finally:
        await consumer.stop()
        await admin.close()


def wait_drained(bootstrap: str, timeout_s: float = 180.0) -> None:
    """Wait until the evaluate and store groups have committed everything, twice in a row (nothing in flight)."""
    deadline = time.monotonic() + timeout_s
    quiet = 0
    while time.monotonic() < deadline:
        evaluate = asyncio.run(lag(bootstrap, EVALUATE_GROUP, (topics.INFERENCE.name,)))
        store = asyncio.run(lag(bootstrap, STORE_GROUP, STORE_TOPICS))
        quiet = quiet + 1 if evaluate == 0 and store == 0 else 0
        if quiet >= 2:
            return
        time.sleep(0.5)
    raise TimeoutError(f"groups not drained: evaluate lag {evaluate}, store lag {store}")


def counts(data_dir: Path, project: str) -> dict[str, int]:
    """Deduplicated counts of a project's raw events and usage evaluations, read from the stopped server's store."""
    where = f"project_id = '{project}'"
    sql = (
        f"SELECT (SELECT count() FROM inference_events FINAL WHERE {where}) AS events, "
        f"(SELECT uniqExact(event_id) FROM inference_events WHERE {where}) AS distinct_events, "
        f"(SELECT count() FROM evaluations FINAL WHERE {where} AND evaluator = 'usage' AND metric = 'error') "
        "AS evaluated, "
        f"(SELECT uniqExact(event_id) FROM evaluations WHERE {where} AND metric = 'error') AS distinct_evaluated"
    )
    return query_store(data_dir, sql)[0]
