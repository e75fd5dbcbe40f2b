"""Drift over HTTP on a real `telltale up`: monitors, results, the report, access control, and an alert on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from telltale_server.streams.drift.windows import floor
from tests.support import drift as gen
from tests.support.server import INGEST_KEY, TelltaleServer
from tests.support.waiting import wait_for

HOUR = timedelta(hours=1)
ENV = {"TELLTALE_DRIFT_INTERVAL_S": "1", "TELLTALE_ALERTS_INTERVAL_S": "0.5"}
MONITOR = {"reference": {"windows": 1}, "segments": ["model"], "settle_s": 0, "window_s": 3600}


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    server = TelltaleServer(tmp_path_factory.mktemp("drift") / "data", env=ENV)
    server.create_key("reader", "main", "read")
    server.create_key("other", "other", "ingest,read")
    server.start()
    yield server
    server.stop()


def test_drift_results_reports_and_an_alert_through_the_api(up: TelltaleServer) -> None:
    t0 = floor(datetime.now(UTC), 3600) - 3 * HOUR
    with up.client() as admin:
        assert admin.delete("/v1/drift/monitors/default").status_code == 204  # opt out of the default one
        made = admin.post("/v1/drift/monitors", json={"monitor_id": "hourly", "config": MONITOR})
        assert made.status_code == 201, made.text
        assert admin.post("/v1/drift/monitors", json={"monitor_id": "hourly"}).status_code == 409
        assert [m["monitor_id"] for m in admin.get("/v1/drift/monitors").json()] == ["hourly"]
        rule = {
            "name": "drift per model",
            "metric": "drift.share",
            "group_by": ["model"],
            "comparator": ">",
            "threshold": 0.3,
            "min_samples": 10,
            "window": "4h",
        }
        assert admin.post("/v1/alert-rules", json=rule).status_code == 201

    calls = gen.events(800, t0, t0 + HOUR, seed=1)
    calls += gen.events(800, t0 + HOUR, t0 + 2 * HOUR, seed=2, shift=gen.Shift(latency=True, longer_answers=True))
    with up.client(INGEST_KEY) as client:
        for i in range(0, len(calls), 500):
            body = orjson.dumps([c.model_dump(mode="json", exclude_none=True) for c in calls[i : i + 500]])
            assert client.post("/v1/inference", content=body).status_code == 200

    with up.client(up.keys["reader"]) as reader:
        params = {"monitor": "hourly", "from": (t0 + HOUR).isoformat(), "to": (t0 + 2 * HOUR).isoformat()}
        results = wait_for(
            lambda: reader.get("/v1/drift", params=params).json(), "the shifted window's results", stall_s=180
        )
        by_segment = {r["segment"]: r for r in results}
        assert by_segment["model=model-b"]["status"] == "drift"
        assert by_segment["model=model-a"]["status"] == "ok"
        drifted = {s["signal"] for s in by_segment["model=model-b"]["signals"] if s["status"] == "drift"}
        assert {"latency_ms", "output.length"} <= drifted
        assert by_segment["all"]["reference"] == "trailing 1 x 3600s windows"
        assert by_segment["all"]["code_version"].startswith("telltale-server")

        page = reader.get(by_segment["model=model-b"]["report_url"])
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]  # opened directly, the report still gets no origin
        assert policy.startswith("sandbox allow-scripts;") and "allow-same-origin" not in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        font = reader.get("/v1/drift/assets/material-ui-icons.woff2", headers={"Origin": "null"})
        assert font.status_code == 200 and font.headers["access-control-allow-origin"] == "*"
        assert '<script src="/v1/drift/assets/evidently.js"></script>' in page.text
        assert len(page.content) < 2_000_000  # Evidently's 3.5 MB library is served once, not stored per report
        script = reader.get("/v1/drift/assets/evidently.js", headers={"Authorization": ""})
        assert script.status_code == 200 and len(script.content) > 1_000_000
        assert reader.get("/v1/drift/assets/..%2Fsecrets").status_code == 404

        firing = wait_for(
            lambda: [a for a in reader.get("/v1/alerts", params={"state": "firing"}).json()],
            "the drift alert",
            stall_s=180,
        )
        assert [a["labels"]["model"] for a in firing] == ["model-b"]

    with up.client(up.keys["other"]) as other:  # another project sees none of it
        assert other.get("/v1/drift", params=params).json() == []
        assert other.get(by_segment["model=model-b"]["report_url"]).status_code == 404
    exposed = httpx.get(f"{up.url}/metrics").text.splitlines()
    drifted = next(line for line in exposed if line.startswith('telltale_drift_segments_total{status="drift"}'))
    assert float(drifted.split()[-1]) >= 1
    up.wait_processed()  # a clean stop need not wait for an evaluation batch in flight


def test_bad_monitor_configs_are_refused_with_the_reason(up: TelltaleServer) -> None:
    with up.client() as admin:
        for bad, where in (
            ({"monitor_id": "m1", "config": {"window_s": 10}}, "window_s"),
            ({"monitor_id": "m1", "config": {"reference": {"kind": "fixed"}}}, "reference"),
            ({"monitor_id": "m1", "config": {"segments": ["user_id"]}}, "segments"),
            ({"monitor_id": "m1", "config": {"colour": "red"}}, "colour"),
            ({"monitor_id": "Bad Id!", "config": {}}, "monitor_id"),
            ({"monitor_id": "m1", "config": {"signals": ["x"] * 1000}}, "signals"),
        ):
            refused = admin.post("/v1/drift/monitors", json=bad)
            assert refused.status_code == 422, bad
            assert where in refused.text
        assert admin.post("/v1/drift/monitors", content=b"{not json").status_code == 422
        assert admin.put("/v1/drift/monitors/nope", json={}).status_code == 404
        assert (
            admin.get("/v1/drift", params={"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}).status_code
            == 422
        )


def test_drift_needs_a_key_with_the_right_scope(up: TelltaleServer) -> None:
    with httpx.Client(base_url=up.url) as anonymous:
        assert anonymous.get("/v1/drift").status_code == 401
        assert anonymous.get("/v1/drift/monitors").status_code == 401
    with up.client(INGEST_KEY) as ingest_only:
        assert ingest_only.get("/v1/drift").status_code == 403
    with up.client(up.keys["reader"]) as reader:
        assert reader.post("/v1/drift/monitors", json={"monitor_id": "m2"}).status_code == 403
        assert reader.delete("/v1/drift/monitors/hourly").status_code == 403
