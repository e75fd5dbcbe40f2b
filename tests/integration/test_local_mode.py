"""Local mode survives crashes: zero lost and zero double-counted events across kill -9 and restart."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import orjson

from telltale_server.services.demo.generator import DemoTraffic
from tests.support.server import INGEST_KEY, TelltaleServer, query_store

CHEAP = {"TELLTALE_EVALUATORS": '["usage"]'}
"""These tests are about the log and the runner, not the models: the usage evaluator keeps them quick."""


def test_kill_and_restart_loses_nothing_and_counts_nothing_twice(tmp_path: Path) -> None:
    server = TelltaleServer(tmp_path / "data", env=CHEAP).start()
    calls = [call.inference for call in DemoTraffic(seed=11).calls(12_000)]
    batches = [calls[i : i + 500] for i in range(0, len(calls), 500)]
    acknowledged: set[int] = set()

    def send() -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {INGEST_KEY}"}, timeout=30) as client:
            for index, batch in enumerate(batches):
                try:
                    response = client.post(f"{server.url}/v1/inference", content=orjson.dumps(batch))
                except httpx.TransportError:
                    return
                if response.status_code == 200:
                    acknowledged.add(index)

    sender = threading.Thread(target=send)
    sender.start()
    while len(acknowledged) < len(batches) // 2:
        time.sleep(0.05)
    assert server.kill() == -9
    sender.join()
    assert 0 < len(acknowledged) < len(batches)

    server.start()
    with httpx.Client(headers={"Authorization": f"Bearer {INGEST_KEY}"}, timeout=60) as client:
        for batch in batches:
            response = client.post(f"{server.url}/v1/inference", content=orjson.dumps(batch))
            assert response.status_code == 200
    server.wait_processed()
    with server.client() as client:
        rows = client.get("/v1/metrics/summary", params={"from": "2000-01-01T00:00:00Z"}).json()["rows"]
    assert rows[0]["count"] == len(calls)
    server.stop()

    counts = query_store(
        server.data_dir,
        "SELECT (SELECT count() FROM inference_events FINAL) AS events, "
        "(SELECT uniqExact(event_id) FROM inference_events) AS distinct_events, "
        "(SELECT count() FROM evaluations FINAL WHERE metric = 'error') AS error_metrics, "
        "(SELECT uniqExact(event_id) FROM evaluations) AS evaluated",
    )[0]
    assert counts == {"events": 12_000, "distinct_events": 12_000, "error_metrics": 12_000, "evaluated": 12_000}


def test_restart_evaluates_events_stored_before_the_crash(tmp_path: Path) -> None:
    """Events acknowledged but never evaluated (runner held back) are found and evaluated on the next start."""
    server = TelltaleServer(
        tmp_path / "data", env={"TELLTALE_RUNNER_BATCH_SIZE": "1", "TELLTALE_RUNNER_IDLE_POLL_S": "3600"}
    ).start()
    calls = [call.inference for call in DemoTraffic(seed=3).calls(400)]
    with httpx.Client(headers={"Authorization": f"Bearer {INGEST_KEY}"}, timeout=30) as client:
        for i in range(0, 400, 100):
            assert client.post(f"{server.url}/v1/inference", content=orjson.dumps(calls[i : i + 100])).is_success
    server.kill()
    before = query_store(server.data_dir, "SELECT uniqExact(event_id) AS n FROM evaluations")[0]["n"]
    assert before < 400

    server.env = CHEAP
    server.start()
    server.wait_processed()
    server.stop()
    after = query_store(
        server.data_dir,
        "SELECT uniqExact(event_id) AS n, (SELECT count() FROM evaluations FINAL WHERE metric = 'error') AS rows "
        "FROM evaluations",
    )[0]
    assert after == {"n": 400, "rows": 400}
