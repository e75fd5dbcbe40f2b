"""Cluster mode under failure, on a real broker: a worker killed mid-stream, the broker stopped and restarted."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from tests.integration.kafka.support import (
    Broker,
    Worker,
    cluster_env,
    cluster_server,
    counts,
    post,
    send,
    wait_drained,
)
from tests.support import events
from tests.support.server import INGEST_KEY, query_store
from tests.support.waiting import wait_for


def test_worker_killed_mid_stream_loses_nothing_and_counts_nothing_twice(tmp_path: Path, broker: Broker) -> None:
    server = cluster_server(tmp_path, broker, roles="store").start()
    worker = Worker(tmp_path / "worker", cluster_env(broker)).start()
    try:
        ids = send(server, 4000, batch=500)
        time.sleep(1.0)  # the worker is busy evaluating (or still joining) when it dies
        worker.kill()
        ids += send(server, 4000, batch=500)
        worker.start()
        ids += send(server, 2000, batch=500)
        wait_drained(broker.bootstrap)
    finally:
        worker.stop()
        server.stop()
    expected = len(set(ids))
    assert counts(server.data_dir, server.project) == {
        "events": expected,
        "distinct_events": expected,
        "evaluated": expected,
        "distinct_evaluated": expected,
    }


def test_server_killed_mid_stream_keeps_every_acknowledged_event_once(tmp_path: Path, broker: Broker) -> None:
    server = cluster_server(tmp_path, broker).start()
    try:
        ids = send(server, 6000, batch=1000)
        server.kill()  # the store role dies with the API, some batches stored but not committed
        server.start()
        ids += send(server, 1000)
        wait_drained(broker.bootstrap)
    finally:
        server.stop()
    expected = len(set(ids))
    assert counts(server.data_dir, server.project)["events"] == expected
    assert counts(server.data_dir, server.project)["evaluated"] == expected


def test_broker_restart_answers_503_meanwhile_and_loses_no_acknowledged_event(tmp_path: Path, broker: Broker) -> None:
    server = cluster_server(tmp_path, broker).start()
    acknowledged: list[str] = []
    statuses: list[tuple[int, str | None]] = []
    stop = threading.Event()

    def sender() -> None:
        with server.client(INGEST_KEY) as client:
            while not stop.is_set():
                batch = [events.inference(latency_ms=1.0) for _ in range(100)]
                try:
                    response = post(client, batch)
                except httpx.TransportError:
                    continue
                statuses.append((response.status_code, response.headers.get("retry-after")))
                if response.status_code == 200:
                    acknowledged.extend(item["event_id"] for item in batch)
                else:
                    time.sleep(0.2)

    thread = threading.Thread(target=sender)
    thread.start()
    try:
        wait_for(lambda: len(acknowledged) >= 2000, "2,000 acknowledged events", progress=lambda: len(acknowledged))
        broker.stop()
        wait_for(lambda: any(status == 503 for status, _ in statuses), "a 503 while the broker is down")
        broker.start()
        answered = len(statuses)
        wait_for(
            lambda: any(status == 200 for status, _ in statuses[answered:]), "a 200 once the broker is back", stall_s=90
        )
        wait_for(lambda: len(acknowledged) >= 4000, "4,000 acknowledged events", progress=lambda: len(acknowledged))
        stop.set()
        thread.join()
        wait_drained(broker.bootstrap)
    finally:
        stop.set()
        thread.join()
        broker.start()  # a no-op when it runs; the next tests need it if this one failed mid-outage
        server.stop()
    unavailable = [retry for status, retry in statuses if status == 503]
    assert unavailable and all(retry and int(retry) > 0 for retry in unavailable)
    assert {status for status, _ in statuses} <= {200, 503}
    result = counts(server.data_dir, server.project)
    assert result["events"] >= len(set(acknowledged))  # a 503'd batch may have reached the log too
    stored = _stored_ids(server.data_dir, server.project)
    assert set(acknowledged) <= stored
    assert result["events"] == result["distinct_events"] == len(stored)


def _stored_ids(data_dir: Path, project: str) -> set[str]:
    rows = query_store(
        data_dir, f"SELECT toString(event_id) AS id FROM inference_events FINAL WHERE project_id = '{project}'"
    )
    return {row["id"] for row in rows}
