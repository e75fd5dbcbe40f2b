"""The summary metrics against values computed by hand from a small, known set of events."""

from __future__ import annotations

import orjson
import pytest

from tests.support.events import feedback, inference
from tests.support.server import TelltaleServer

WINDOW = {"from": "2025-03-01T10:00:00Z", "to": "2025-03-01T11:00:00Z"}


def at(minute: int) -> str:
    return f"2025-03-01T10:{minute:02d}:00Z"


@pytest.fixture(scope="module")
def known(server: TelltaleServer) -> TelltaleServer:
    key = server.keys["other"]
    e = [
        inference(ts=at(1), model="gpt-4o", latency_ms=100, usage={"input_tokens": 1000, "output_tokens": 500}),
        inference(ts=at(2), model="gpt-4o", latency_ms=200, usage={"input_tokens": 2000, "output_tokens": 0}),
        inference(ts=at(3), model="gpt-4o", latency_ms=300, status="error", error="429", trace_id="tr-e3"),
        inference(
            ts=at(4), model="gpt-4o", latency_ms=400, usage={"input_tokens": 10, "output_tokens": 10, "cost": 0.5}
        ),
        inference(ts=at(5), model="gpt-4o", latency_ms=1000, usage={"input_tokens": 0, "output_tokens": 1000}),
        inference(ts=at(6), model="claude-sonnet-4-20250514", usage={"input_tokens": 100, "output_tokens": 100}),
        inference(ts=at(7), model="claude-sonnet-4-20250514", latency_ms=50),
        inference(ts="2025-03-01T11:00:00Z", model="gpt-4o", latency_ms=9999),
        inference(ts="2025-03-01T09:59:59Z", model="gpt-4o", latency_ms=9999),
    ]
    given = {"ts": at(30)}  # the summary counts feedback given in its range
    by_trace = feedback(kind="comment", comment="slow", trace_id="tr-e3", **given)
    del by_trace["inference_id"]
    f = [
        feedback(e[0]["event_id"], value="down", **given),
        feedback(e[0]["event_id"], kind="rating", value=5, **given),
        feedback(e[1]["event_id"], kind="correction", correction="The right answer.", **given),
        by_trace,
        feedback(e[5]["event_id"], value="up", **given),
        feedback(e[7]["event_id"], value="down", **given),
    ]
    with server.client(key) as client:
        assert client.post("/v1/inference", content=orjson.dumps(e)).json()["accepted"] == 9
        assert client.post("/v1/feedback", content=orjson.dumps(f)).json()["accepted"] == 6
    server.wait_processed()
    return server


def summary(server: TelltaleServer, **params: str) -> list[dict]:
    with server.client(server.keys["other"]) as client:
        response = client.get("/v1/metrics/summary", params={**WINDOW, **params})
        assert response.status_code == 200, response.text
        return response.json()["rows"]


def test_per_model(known: TelltaleServer) -> None:
    rows = {row["group"]: row for row in summary(known, group_by="model")}
    assert set(rows) == {"gpt-4o", "claude-sonnet-4-20250514"}
    gpt = rows["gpt-4o"]
    assert (gpt["count"], gpt["error_rate"]) == (5, 0.2)
    assert gpt["latency_ms"] == pytest.approx({"p50": 300.0, "p95": 880.0, "p99": 976.0}, rel=0.005)
    assert (gpt["input_tokens"], gpt["output_tokens"], gpt["total_tokens"]) == (3010, 1510, 4520)
    assert gpt["cost_usd"] == pytest.approx(0.0075 + 0.005 + 0.5 + 0.01)
    assert (gpt["feedback_count"], gpt["negative_feedback_rate"]) == (4, 0.5)
    claude = rows["claude-sonnet-4-20250514"]
    assert (claude["count"], claude["error_rate"]) == (2, 0.0)
    assert claude["latency_ms"] == {"p50": 50.0, "p95": 50.0, "p99": 50.0}
    assert (claude["total_tokens"], claude["cost_usd"]) == (200, pytest.approx(0.0018))
    assert (claude["feedback_count"], claude["negative_feedback_rate"]) == (1, 0.0)


def test_total(known: TelltaleServer) -> None:
    [total] = summary(known)
    assert total["group"] is None
    assert (total["count"], total["error_rate"]) == (7, pytest.approx(1 / 7))
    assert total["latency_ms"] == pytest.approx({"p50": 250.0, "p95": 850.0, "p99": 970.0}, rel=0.005)
    assert (total["input_tokens"], total["output_tokens"], total["total_tokens"]) == (3110, 1610, 4720)
    assert total["cost_usd"] == pytest.approx(0.5243)
    assert (total["feedback_count"], total["negative_feedback_rate"]) == (5, 0.4)


def test_empty_window_and_bad_range(known: TelltaleServer) -> None:
    assert summary(known, **{"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"}) == []
    with known.client(known.keys["other"]) as client:
        assert client.get("/v1/metrics/summary", params={"from": WINDOW["to"], "to": WINDOW["from"]}).status_code == 422
        assert client.get("/v1/metrics/summary", params={"group_by": "user"}).status_code == 422
