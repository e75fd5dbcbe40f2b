"""Disparity over HTTP on a real `telltale up`: settings, segments by detected language and by a watched attribute,
scoped keys and another project, bad input named by field, and an alert rule on `disparity.<metric>`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.disparity import calls
from tests.support.server import INGEST_KEY, TelltaleServer
from tests.support.waiting import wait_for

ENV = {"TELLTALE_EVALUATORS": '["usage","language"]', "TELLTALE_ALERTS_INTERVAL_S": "0.5"}
RULE = {
    "name": "errors by language",
    "metric": "disparity.error.rate",
    "window": "1h",
    "comparator": ">",
    "threshold": 2,
    "min_samples": 30,
    "annotations": {"summary": "{{segment}}: {{value}} times the rest's error rate"},
}


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    server = TelltaleServer(tmp_path_factory.mktemp("disparity") / "data", env=ENV)
    server.create_key("reader", "main", "read")
    server.create_key("other", "other", "ingest,read")
    server.start()
    with server.client(INGEST_KEY) as client:
        assert client.post("/v1/inference", json=calls(60, 120, ("free", "pro"))).status_code == 200
    server.wait_processed()
    yield server
    server.stop()


def _segments(client: Any, **params: Any) -> dict[str, dict[str, Any]]:
    answer = client.get("/v1/disparity", params={"window": "1h", **params})
    assert answer.status_code == 200, answer.text
    return {s["segment"]: s for s in answer.json()["segments"]}


def test_each_language_against_the_rest(up: TelltaleServer) -> None:
    with up.client(up.keys["reader"]) as reader:
        answer = reader.get("/v1/disparity", params={"metric": "error.rate", "by": "language", "window": "1h"}).json()
        assert answer["samples"] == 180 and answer["rate"] == pytest.approx(36 / 180)
        segments = {s["segment"]: s for s in answer["segments"]}
        es, en = segments["es"], segments["en"]
        assert (es["samples"], es["rest_samples"], es["rate"], es["rest_rate"]) == (60, 120, 0.5, 0.05)
        assert es["ratio"] == pytest.approx(10.0) and es["difference"] == pytest.approx(0.45)
        assert es["rate_ci"]["low"] < 0.5 < es["rate_ci"]["high"]
        assert es["difference_ci"]["low"] > 0 and es["verdict"] == "higher"
        assert en["verdict"] == "lower"
        few = _segments(reader, metric="error.rate", min_samples=61)
        assert few["es"]["verdict"] == "insufficient_data" and few["es"]["ratio"] == pytest.approx(10.0)


def test_a_watched_attribute_segments_the_traffic(up: TelltaleServer) -> None:
    with up.client() as admin:
        assert admin.get("/v1/disparity/settings").json() == {"attributes": []}
        refused = admin.get("/v1/disparity", params={"metric": "error.rate", "by": "plan"})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "by"]
        saved = admin.put("/v1/disparity/settings", json={"attributes": ["plan", "seats"]})
        assert saved.status_code == 200 and saved.json() == {"attributes": ["plan", "seats"]}
        assert admin.get("/v1/disparity/settings").json() == {"attributes": ["plan", "seats"]}
        plans = _segments(admin, metric="error.rate", by="plan")
        assert {plan: s["samples"] for plan, s in plans.items()} == {"free": 90, "pro": 90}
        assert set(_segments(admin, metric="error.rate", by="seats")) == {"0", "1", "2"}, "numbers as written"


def test_another_project_and_key_scopes(up: TelltaleServer) -> None:
    with up.client(up.keys["other"]) as other:
        answer = other.get("/v1/disparity", params={"metric": "error.rate", "window": "1h"}).json()
        assert answer["samples"] == 0 and answer["segments"] == []
        assert other.get("/v1/disparity/settings").json() == {"attributes": []}, "settings are per project"
        assert other.put("/v1/disparity/settings", json={"attributes": ["plan"]}).status_code == 403
    with up.client(up.keys["reader"]) as reader:
        assert reader.put("/v1/disparity/settings", json={"attributes": ["locale"]}).status_code == 403
    with up.client(INGEST_KEY) as ingest:
        assert ingest.get("/v1/disparity", params={"metric": "error.rate"}).status_code == 403
    with up.client("tt_read_not_a_key_0123456789abcdef") as stranger:
        assert stranger.get("/v1/disparity", params={"metric": "error.rate"}).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"metric": "latency.p50"}, "metric"),
        ({"metric": "nope"}, "metric"),
        ({}, "metric"),
        ({"metric": "error.rate", "by": "locale"}, "by"),
        ({"metric": "error.rate", "min_samples": 0}, "min_samples"),
        ({"metric": "error.rate", "window": "ever"}, "window"),
        ({"metric": "error.rate", "from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "from"),
    ],
)
def test_bad_queries_name_the_field(up: TelltaleServer, params: dict[str, Any], field: str) -> None:
    with up.client() as admin:
        refused = admin.get("/v1/disparity", params=params)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["query", field]


@pytest.mark.parametrize(
    "body",
    [
        {"attributes": ["not a key!"]},
        {"attributes": ["language"]},
        {"attributes": ["plan", "plan"]},
        {"attributes": [f"a{i}" for i in range(17)]},
        {"attributes": ["x" * 65]},
        {"attributes": "plan"},
        {"attributes": [3]},
        {"watched": ["plan"]},
    ],
)
def test_bad_settings_name_the_field(up: TelltaleServer, body: dict[str, Any]) -> None:
    with up.client() as admin:
        refused = admin.put("/v1/disparity/settings", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"][:2] == ["body", next(iter(body))]
        assert admin.put("/v1/disparity/settings", content=b"{not json").status_code == 422


def test_a_rule_pages_on_the_segment_served_worse(up: TelltaleServer) -> None:
    with up.client() as admin:
        grouped = admin.post("/v1/alert-rules", json={**RULE, "group_by": ["model"]})
        assert grouped.status_code == 422 and "grouped by segment" in grouped.text
        assert admin.post("/v1/alert-rules", json=RULE).status_code == 201
        firing = wait_for(
            lambda: [a for a in admin.get("/v1/alerts", params={"state": "firing"}).json()], "the disparity alert"
        )
        assert [a["labels"] for a in firing] == [{"segment": "language=es"}]
        assert firing[0]["value"] == pytest.approx(10.0) and firing[0]["samples"] == 60
        metric = admin.get("/v1/metrics/disparity.error.rate", params={"window": "1h"}).json()
        groups = {g["labels"]["segment"]: g for g in metric["groups"]}
        assert groups["language=es"]["value"] == pytest.approx(10.0) and groups["language=es"]["samples"] == 60
        assert "disparity.error.rate" in {m["name"] for m in admin.get("/v1/metrics").json()}
        by_model = admin.get("/v1/metrics/disparity.error.rate", params={"group_by": "model"})
        assert by_model.status_code == 422 and by_model.json()["detail"][0]["loc"] == ["query", "group_by"]
        assert admin.get("/v1/series", params={"metric": "disparity.error.rate"}).status_code == 422


def test_oversized_and_unknown_query_values(up: TelltaleServer) -> None:
    with up.client() as admin:
        long_metric = admin.get("/v1/disparity", params={"metric": "x." * 5000})
        assert long_metric.status_code == 422
        odd = admin.get("/v1/disparity", params={"metric": "error.rate", "by": str(uuid.uuid4())})
        assert odd.status_code == 422 and odd.json()["detail"][0]["loc"] == ["query", "by"]
