"""Scoring lag as a signal: /ready, /v1/scoring and the catalog's evaluation.lag_seconds say what is unscored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from fastapi.testclient import TestClient

from telltale_server.schemas.settings import Settings
from telltale_server.services.api.app import create_app
from telltale_server.services.auth.keys import KeyRing
from telltale_server.services.auth.projects import create_project
from telltale_server.services.demo.generator import DemoTraffic
from telltale_server.services.metrics.catalog import Filters, Window, compute
from telltale_server.services.runtime import open_local
from tests.support.isolated import in_fresh_process


def test_lag_is_reported_until_the_backlog_is_scored(tmp_path: Path) -> None:
    in_fresh_process(_lag_until_scored, tmp_path)


def _lag_until_scored(tmp_path: Path) -> None:
    rt = open_local(Settings(data_dir=tmp_path / "data", evaluators=["usage"], evaluator_workers=0))
    assert rt.runner is not None
    try:
        create_project(rt.store, "main")
        key, _ = KeyRing(rt.store).create("main", ("read",), "reader")
        end = datetime.now(UTC)
        events = [c.inference for c in DemoTraffic(seed=2).calls(200, end - timedelta(hours=1), end)]
        asyncio.run(rt.ingest.ingest("main", "inference", orjson.dumps(events), "application/json"))
        client = TestClient(create_app(rt), headers={"Authorization": f"Bearer {key}"})  # no lifespan: no runner job

        def lag() -> tuple[float | None, int]:
            window = Window("main", datetime.now(UTC) + timedelta(seconds=30), 300, Filters(), ())
            sample = compute(rt.store, "evaluation.lag_seconds", window)[0]
            return sample.value, sample.samples

        ready = client.get("/ready").json()["runner"]
        assert ready["backlog"] == 200 and ready["processed"] == 0 and ready["lag_seconds"] >= 0
        status = client.get("/v1/scoring").json()
        assert status["mode"] == "local" and status["backlog"] == 200
        first = min(datetime.fromisoformat(e["ts"]) for e in events)
        assert abs(datetime.fromisoformat(status["unscored_from"]) - first) < timedelta(milliseconds=1)  # stored in ms
        value, samples = lag()
        assert samples == 200 and value is not None and value >= 30
        assert "telltale_evaluation_backlog_events" in client.get("/metrics").text

        assert rt.runner.drain() == 200
        ready = client.get("/ready").json()["runner"]
        assert ready["backlog"] == 0 and ready["processed"] == 200 and ready["lag_seconds"] == 0
        assert client.get("/v1/scoring").json()["unscored_from"] is None
        assert lag() == (0.0, 0)
        metrics = client.get("/metrics").text
        assert 'telltale_evaluation_backlog_events{runner="local"} 0.0' in metrics
    finally:
        rt.close()
