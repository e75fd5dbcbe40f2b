"""Cluster mode as deployed: `telltale api` (with the store role, chDB) and a `telltale worker --roles evaluate`
on a real broker; both expose /metrics, and the ingest, store and evaluation series move as events flow."""

from __future__ import annotations

from pathlib import Path

from tests.integration.kafka.support import Broker, Worker, cluster_env, cluster_server, send, wait_drained
from tests.support.metrics import answers, scrape, value
from tests.support.server import free_port
from tests.support.waiting import wait_for


def test_api_and_evaluate_worker_metrics_move_on_kafka(tmp_path: Path, broker: Broker) -> None:
    server = cluster_server(tmp_path, broker, roles="store")
    server.command = "api"
    server.start()
    port = free_port()
    worker = Worker(tmp_path / "worker", {**cluster_env(broker), "TELLTALE_METRICS_PORT": str(port)}).start()
    worker_metrics = f"http://127.0.0.1:{port}/metrics"
    try:
        wait_for(lambda: answers(worker_metrics), "the worker's metrics server", stall_s=90)
        api_before, worker_before = scrape(f"{server.url}/metrics"), scrape(worker_metrics)
        ids = send(server, 600, batch=200)
        wait_drained(broker.bootstrap)

        def evaluated() -> float:
            moved = scrape(worker_metrics)
            return value(moved, "telltale_evaluated_events_total", runner="kafka") - value(
                worker_before, "telltale_evaluated_events_total", runner="kafka"
            )

        wait_for(lambda: evaluated() >= len(ids), "the worker's evaluated-events counter", progress=evaluated)
        api_after, worker_after = scrape(f"{server.url}/metrics"), scrape(worker_metrics)
    finally:
        worker.stop()
        server.stop()
    accepted = {"kind": "inference", "outcome": "accepted"}
    assert value(api_after, "telltale_ingest_events_total", **accepted) - value(
        api_before, "telltale_ingest_events_total", **accepted
    ) == len(ids)
    stored = value(api_after, "telltale_store_batch_seconds_count", table="inference_events") - value(
        api_before, "telltale_store_batch_seconds_count", table="inference_events"
    )
    assert stored >= 1
    assert value(api_after, "telltale_store_batch_seconds_count", table="evaluations") >= 1
    assert ("telltale_evaluation_backlog_events", frozenset({("runner", "kafka")})) in worker_after
    assert value(worker_after, "telltale_evaluation_lag_seconds", runner="kafka") >= 0
