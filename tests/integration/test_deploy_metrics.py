"""Prometheus /metrics of a real `telltale api` process (local mode): the series exist and move as events flow."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.support.alerts import SECRET, Receiver
from tests.support.events import inference
from tests.support.metrics import Samples, answers, scrape, value
from tests.support.server import INGEST_KEY, ROOT, TelltaleServer, free_port
from tests.support.waiting import wait_for

ENV = {
    "TELLTALE_ALERTS_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
    "TELLTALE_ALERTS_INTERVAL_S": "0.5",
    "TELLTALE_EVALUATORS": '["usage"]',
    "TELLTALE_MAX_BODY_BYTES": "100000",
}
SERIES = (
    "telltale_ingest_events_total",
    "telltale_ingest_refused_requests_total",
    "telltale_evaluated_events_total",
    "telltale_evaluation_backlog_events",
    "telltale_evaluation_lag_seconds",
    "telltale_store_batch_seconds_count",
    "telltale_store_batch_seconds_bucket",
    "telltale_alert_deliveries_total",
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    """`telltale api` without TELLTALE_KAFKA_BOOTSTRAP: local mode, as a single-container deployment runs it."""
    server = TelltaleServer(tmp_path_factory.mktemp("metrics") / "data", env=ENV, command="api").start()
    yield server
    server.stop()


def test_every_series_is_exposed_before_any_event(api: TelltaleServer) -> None:
    samples = scrape(f"{api.url}/metrics")
    names = {name for name, _ in samples}
    assert set(SERIES) <= names, set(SERIES) - names
    assert value(samples, "telltale_evaluation_backlog_events", runner="local") == 0
    assert value(samples, "telltale_ingest_refused_requests_total", kind="inference", reason="too_large") == 0
    assert "process_cpu_seconds_total" in names


def test_ingest_store_and_evaluation_series_move_when_events_flow(api: TelltaleServer) -> None:
    before = scrape(f"{api.url}/metrics")
    good = [inference(model="metrics-model") for _ in range(5)]
    with api.client(INGEST_KEY) as client:
        mixed = client.post("/v1/inference", content=orjson.dumps([*good, {"event_id": "not-a-uuid"}]))
        assert mixed.status_code == 207, mixed.text
        assert client.post("/v1/inference", content=orjson.dumps(good[:1])).status_code == 200
        assert client.post("/v1/inference", content=b"[{oops").status_code == 400
        assert client.post("/v1/inference", content=b"[" + b" " * 200_000 + b"]").status_code == 413
        assert client.post("/v1/feedback", content=b"{}", headers={"Content-Type": "text/csv"}).status_code == 415
    api.wait_processed()
    after = scrape(f"{api.url}/metrics")

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("telltale_ingest_events_total", kind="inference", outcome="accepted") == 5
    assert moved("telltale_ingest_events_total", kind="inference", outcome="rejected") == 1
    assert moved("telltale_ingest_events_total", kind="inference", outcome="duplicate") == 1
    assert moved("telltale_ingest_refused_requests_total", kind="inference", reason="malformed") == 1
    assert moved("telltale_ingest_refused_requests_total", kind="inference", reason="too_large") == 1
    assert moved("telltale_ingest_refused_requests_total", kind="feedback", reason="unsupported_media") == 1
    assert moved("telltale_evaluated_events_total", runner="local") == 5
    assert moved("telltale_store_batch_seconds_count", table="inference_events") >= 1
    assert moved("telltale_store_batch_seconds_count", table="evaluations") >= 1
    assert moved("telltale_store_batch_seconds_count", table="dead_letters") >= 1
    assert moved("telltale_store_batch_seconds_sum", table="inference_events") > 0
    assert value(after, "telltale_evaluation_backlog_events", runner="local") == 0
    assert value(after, "telltale_evaluation_lag_seconds", runner="local") == 0


def test_alert_deliveries_and_failures_are_counted(api: TelltaleServer) -> None:
    ok, broken = Receiver(), Receiver(status=400)
    try:
        before = scrape(f"{api.url}/metrics")
        rule = {
            "name": "metrics errors",
            "metric": "error.rate",
            "filters": {"model": ["alerting-model"]},
            "comparator": ">",
            "threshold": 0.5,
            "min_samples": 3,
            "window": "5m",
            "group_interval": "0s",
            "channels": [{"type": "webhook", "url": url, "secret": SECRET} for url in (ok.url, broken.url)],
        }
        with api.client() as client:
            made = client.post("/v1/alert-rules", json=rule)
            assert made.status_code == 201, made.text
        events = [inference(model="alerting-model", status="error") for _ in range(4)]
        with api.client(INGEST_KEY) as client:
            assert client.post("/v1/inference", content=orjson.dumps(events)).status_code == 200
        wait_for(lambda: ok.received and broken.attempts, "both notifications")

        def moved(outcome: str) -> float:
            samples = scrape(f"{api.url}/metrics")
            labels = {"channel_type": "webhook", "outcome": outcome}
            return value(samples, "telltale_alert_deliveries_total", **labels) - value(
                before, "telltale_alert_deliveries_total", **labels
            )

        wait_for(lambda: moved("delivered") == 1 and moved("failed") == 1, "the counted deliveries")
    finally:
        ok.close()
        broken.close()


def test_alerts_process_serves_metrics_on_its_port(tmp_path: Path) -> None:
    """`telltale jobs` has no API: its series are on TELLTALE_METRICS_PORT."""
    port = free_port()
    env = {**os.environ, "TELLTALE_DATA_DIR": str(tmp_path / "data"), "TELLTALE_METRICS_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "telltale_server.services.cli.main", "alerts"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/metrics"), "the alert engine's metrics server")
        samples: Samples = scrape(f"http://127.0.0.1:{port}/metrics")
        assert value(samples, "telltale_alert_deliveries_total", channel_type="slack", outcome="failed") == 0
        assert value(samples, "telltale_ingest_events_total", kind="feedback", outcome="accepted") == 0
        assert {"telltale_alert_deliveries_total", "telltale_store_batch_seconds_count"} <= {n for n, _ in samples}
    finally:
        process.terminate()
        process.wait(timeout=30)
