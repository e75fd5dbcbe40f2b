"""`telltale replay` re-evaluates stored events with the current evaluator versions, reporting progress."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from telltale_server.streams.drift.windows import floor
from tests.support import drift, events
from tests.support.server import INGEST_KEY, ROOT, TelltaleServer, query_store


def test_replay_re_evaluates_stored_events_and_shows_progress(tmp_path: Path) -> None:
    server = TelltaleServer(tmp_path / "data", env={"TELLTALE_EVALUATORS": '["usage"]'}).start()
    try:
        with server.client(INGEST_KEY) as client:
            batch = [events.inference(latency_ms=5.0) for _ in range(300)]
            assert client.post("/v1/inference", content=orjson.dumps(batch)).status_code == 200
        server.wait_processed()
    finally:
        server.stop()
    forget = "ALTER TABLE evaluations DELETE WHERE metric = 'latency_ms' SETTINGS mutations_sync = 1"
    query_store(server.data_dir, forget)  # as if these rows were never derived
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "telltale_server.services.cli.main",
            "replay",
            "--from",
            "2000-01-01",
            "--evaluator",
            "usage",
        ],
        cwd=ROOT,
        env={**os.environ, "TELLTALE_DATA_DIR": str(server.data_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "300/300 events (100%" in out.stderr
    assert "(usage v1)" in out.stdout
    rows = query_store(
        server.data_dir,
        "SELECT count() AS n, uniqExact(event_id) AS events FROM evaluations FINAL WHERE metric = 'latency_ms'",
    )
    assert rows == [{"n": 300, "events": 300}]


def test_replay_drift_recomputes_the_windows_asked_for(tmp_path: Path) -> None:
    server = TelltaleServer(tmp_path / "data", env={"TELLTALE_EVALUATORS": '["usage"]'}).start()
    t0 = floor(datetime.now(UTC), 3600) - timedelta(hours=3)
    try:
        calls = drift.events(400, t0, t0 + timedelta(hours=2), seed=3)
        _send(server, calls)
    finally:
        server.stop()
    out = subprocess.run(
        [
            *(sys.executable, "-m", "telltale_server.services.cli.main", "replay", "--drift", "--monitor", "default"),
            *("--from", t0.isoformat(), "--to", (t0 + timedelta(hours=2)).isoformat()),
        ],
        cwd=ROOT,
        env={**os.environ, "TELLTALE_DATA_DIR": str(server.data_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "recomputed 2 drift window(s)" in out.stdout
    assert _drift_windows(server) == _hours(t0, 2)


def test_cluster_mode_runs_drift_and_curation_in_the_alerts_process(tmp_path: Path) -> None:
    """`telltale jobs` computes drift windows and appends to continuous datasets while it holds their leases."""
    server = TelltaleServer(
        tmp_path / "data", env={"TELLTALE_EVALUATORS": '["usage"]', "TELLTALE_DRIFT_ENABLED": "false"}
    )
    t0 = floor(datetime.now(UTC), 3600) - timedelta(hours=3)
    server.start()
    try:
        calls = drift.events(400, t0, t0 + timedelta(hours=2), seed=4)
        with server.client() as admin:  # windows computed without the default monitor's 60 s settling time
            admin.delete("/v1/drift/monitors/default")
            fast = {"monitor_id": "fast", "config": {"settle_s": 0, "segments": []}}
            assert admin.post("/v1/drift/monitors", json=fast).status_code == 201
            window = {"start": t0.isoformat(), "end": (t0 + timedelta(hours=2)).isoformat()}
            curated = {"name": "everything", "query": window, "continuous": True, "dedup": False}
            assert admin.post("/v1/datasets", json=curated).status_code == 201
        _send(server, calls)
    finally:
        server.stop()
    forget = "ALTER TABLE dataset_items DELETE WHERE version = 0 SETTINGS mutations_sync = 1"
    query_store(server.data_dir, forget)  # as if local mode's curation had not run: the alerts process must
    env = {**os.environ, "TELLTALE_DATA_DIR": str(server.data_dir), "TELLTALE_DRIFT_INTERVAL_S": "1"}
    alerts = subprocess.Popen(
        [sys.executable, "-m", "telltale_server.services.cli.main", "jobs"],
        cwd=ROOT,
        env={**env, "TELLTALE_METRICS_PORT": "0"},
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(300, alerts.terminate)  # no such line: stderr ends and the assertion below fails
    watchdog.start()
    try:
        assert alerts.stderr is not None
        for line in alerts.stderr:
            if f"drift main/fast {(t0 + timedelta(hours=1)).isoformat()}" in line:
                break
    finally:
        watchdog.cancel()
        alerts.terminate()
        alerts.wait(timeout=60)
    assert _drift_windows(server)[:2] == _hours(t0, 2)
    drafted = query_store(server.data_dir, "SELECT count() AS n FROM dataset_items FINAL WHERE version = 0")
    assert drafted == [{"n": 400}]  # continuous curation ran there too


def _send(server: TelltaleServer, calls: list) -> None:
    """The calls over HTTP, then wait until they are evaluated."""
    with server.client(INGEST_KEY) as client:
        body = orjson.dumps([c.model_dump(mode="json", exclude_none=True) for c in calls])
        assert client.post("/v1/inference", content=body).status_code == 200
    server.wait_processed()


def _drift_windows(server: TelltaleServer) -> list[str]:
    """The starts of the drift windows computed in the stopped server's store."""
    sql = "SELECT DISTINCT toString(window_start) AS w FROM drift_runs FINAL ORDER BY w"
    return [row["w"] for row in query_store(server.data_dir, sql)]


def _hours(t0: datetime, n: int) -> list[str]:
    return [f"{t0 + timedelta(hours=h):%Y-%m-%d %H:%M:%S}.000" for h in range(n)]
