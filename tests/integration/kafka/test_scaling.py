"""Two evaluate workers in one consumer group share the partitions; every event is evaluated once in effect."""

from __future__ import annotations

import re
import time
from pathlib import Path

from telltale_server.schemas import topics
from tests.integration.kafka.support import Broker, Worker, cluster_env, cluster_server, counts, send, wait_drained

_ASSIGNED = re.compile(r"Setting newly assigned partitions (\{.*\}|set\(\)) for group telltale-evaluate")
_PARTITION = re.compile(r"topic='" + re.escape(topics.INFERENCE.name) + r"', partition=(\d+)")


def assignment(worker: Worker) -> set[int] | None:
    """The inference partitions the worker was given last, from its log; None before its first assignment."""
    found = _ASSIGNED.findall(worker.log_path.read_text(errors="replace")) if worker.log_path.exists() else []
    return {int(p) for p in _PARTITION.findall(found[-1])} if found else None


def test_two_evaluate_workers_share_partitions_and_evaluate_each_event_once(tmp_path: Path, broker: Broker) -> None:
    server = cluster_server(tmp_path, broker, roles="store").start()
    workers = [Worker(tmp_path / f"worker{i}", cluster_env(broker)).start() for i in (1, 2)]
    try:
        deadline = time.monotonic() + 90
        while not all(assignment(w) for w in workers):
            assert time.monotonic() < deadline, "the two workers never both got partitions"
            time.sleep(0.5)
        ids = send(server, 8000, batch=500)
        wait_drained(broker.bootstrap)
        shares = [assignment(w) for w in workers]
    finally:
        for worker in workers:
            worker.stop()
        server.stop()
    assert shares[0] and shares[1]
    assert shares[0].isdisjoint(shares[1])
    assert shares[0] | shares[1] == set(range(topics.INFERENCE.partitions))
    expected = len(set(ids))
    assert counts(server.data_dir, server.project) == {
        "events": expected,
        "distinct_events": expected,
        "evaluated": expected,
        "distinct_evaluated": expected,
    }
