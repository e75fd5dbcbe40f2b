"""The reads the console acts from, over a real `telltale up`: worsened segments, a trace's span tree, a session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from tests.support.events import feedback, inference
from tests.support.server import INGEST_KEY, TelltaleServer

END = datetime.now(UTC).replace(second=0, microsecond=0)
HOUR = timedelta(hours=1)
PERIOD = {"from": (END - HOUR).isoformat(), "to": END.isoformat()}
SYSTEM = {"role": "system", "content": "You are the help-centre assistant."}


def calls(model: str, route: str, start: datetime, n: int, errors: int, latency_ms: float) -> list[dict[str, Any]]:
    """`n` calls spread over the hour from `start`, the first `errors` of them failed."""
    return [
        inference(
            ts=(start + timedelta(seconds=i * 3600 // n)).isoformat(),
            model=model,
            route=route,
            latency_ms=latency_ms,
            status="error" if i < errors else "ok",
            **({"error": "upstream timeout", "output": None} if i < errors else {}),
        )
        for i in range(n)
    ]


def span(trace_id: str, at_ms: int, span_id: str = "", parent: str = "", **fields: Any) -> dict[str, Any]:
    ts = END - timedelta(minutes=30) + timedelta(milliseconds=at_ms)
    return inference(
        ts=ts.isoformat(), trace_id=trace_id, span_id=span_id or None, parent_span_id=parent or None, **fields
    )


def turn(session_id: str, minute: int, question: str, **fields: Any) -> dict[str, Any]:
    return inference(
        ts=(END - timedelta(minutes=20 - minute)).isoformat(),
        session_id=session_id,
        user_id="u-7",
        input=[SYSTEM, {"role": "user", "content": question}],
        output=f"answer to {question}",
        **fields,
    )


TREE = [  # root, its children, a grandchild, and a span whose parent was never sent
    span("t-tree", 0, "a", latency_ms=1200, route="agent"),
    span("t-tree", 100, "b", "a", latency_ms=300, route="plan"),
    span("t-tree", 200, "c", "b", latency_ms=50, route="retrieve"),
    span("t-tree", 50, "e", "not-sent", latency_ms=10, route="orphan"),
    span("t-tree", 500, "d", "a", latency_ms=600, route="answer", status="error", error="boom", output=None),
]
FLAT = [span("t-flat", ms, route=f"step {i}") for i, ms in enumerate((300, 0, 100))]
TURNS = [
    turn("s-1", 0, "How do refunds work?"),
    turn("s-1", 1, "And for annual plans?", trace_id="t-turn-2"),
    turn("s-1", 2, "Thanks, how do I cancel?", trace_id="t-turn-3"),
]


@pytest.fixture(scope="module")
def live(server: TelltaleServer) -> TelltaleServer:
    """Main: model m-bad's errors and latency rise this hour, m-same's stay; m-few has too few calls to judge.
    A trace tree, a flat trace and a three-turn session with feedback. Project other: its own worse model and a
    call in trace t-tree."""
    before, now = END - 2 * HOUR, END - HOUR
    main = calls("m-bad", "r-bad", before, 40, 0, 100) + calls("m-bad", "r-bad", now, 40, 20, 400)
    main += calls("m-same", "r-same", before, 40, 2, 200) + calls("m-same", "r-same", now, 40, 2, 200)
    main += calls("m-few", "r-few", before, 5, 0, 100) + calls("m-few", "r-few", now, 5, 5, 900)
    main += TREE + FLAT + TURNS
    votes = [
        feedback(TURNS[1]["event_id"], value="down", comment="wrong plan"),
        {**feedback(), "inference_id": None, "trace_id": "t-turn-3", "kind": "flag", "value": True},
    ]
    other = calls("m-other", "r-other", before, 40, 0, 100) + calls("m-other", "r-other", now, 40, 40, 900)
    other += [span("t-tree", 0, "x", route="other project")]
    with server.client(INGEST_KEY) as client:
        assert client.post("/v1/inference", content=orjson.dumps(main)).json()["accepted"] == len(main)
        assert client.post("/v1/feedback", content=orjson.dumps(votes)).json()["accepted"] == 2
    with server.client(server.keys["other"]) as client:
        assert client.post("/v1/inference", content=orjson.dumps(other)).json()["accepted"] == len(other)
    server.wait_processed()
    return server


def get(server: TelltaleServer, path: str, key: str | None = None, **params: Any) -> httpx.Response:
    with server.client(key or server.keys["reader"]) as client:
        return client.get(path, params=params)


def test_the_segments_that_got_worse_against_the_hour_before(live: TelltaleServer) -> None:
    body = get(live, "/v1/metrics/worsened", **PERIOD).json()
    assert body["previous_start"] == (END - 2 * HOUR).isoformat().replace("+00:00", "Z")
    found = {(s["label"], s["value"], s["metric"]): s for s in body["segments"]}
    assert set(found) == {
        ("model", "m-bad", "error.rate"),
        ("model", "m-bad", "latency.p95"),
        ("route", "r-bad", "error.rate"),
        ("route", "r-bad", "latency.p95"),
    }
    errors = found[("model", "m-bad", "error.rate")]
    assert (errors["previous"], errors["current"], errors["change"]) == (0.0, 0.5, 0.5)
    assert (errors["previous_samples"], errors["current_samples"], errors["unit"]) == (40, 40, "ratio")
    assert errors["ratio"] is None  # from 0: no ratio
    latency = found[("model", "m-bad", "latency.p95")]
    assert latency["current"] == pytest.approx(400, rel=0.01) and latency["ratio"] == pytest.approx(3, rel=0.02)
    severities = [s["severity"] for s in body["segments"]]
    assert severities == sorted(severities, reverse=True)


def test_worsened_takes_filters_metrics_and_the_sample_floor(live: TelltaleServer) -> None:
    only = get(live, "/v1/metrics/worsened", metric="latency.p95", group_by="model", **PERIOD).json()["segments"]
    assert [(s["value"], s["metric"]) for s in only] == [("m-bad", "latency.p95")]
    assert get(live, "/v1/metrics/worsened", route="r-same", **PERIOD).json()["segments"] == []
    few = get(live, "/v1/metrics/worsened", min_samples=5, group_by="model", **PERIOD).json()["segments"]
    assert {s["value"] for s in few} == {"m-bad", "m-few"}
    assert "r-few" not in {s["value"] for s in get(live, "/v1/metrics/worsened", **PERIOD).json()["segments"]}


def test_worsened_refuses_bad_queries(live: TelltaleServer) -> None:
    for params in (
        {"metric": "volume.count"},
        {"metric": "no.such"},
        {"group_by": "user_id"},
        {"min_samples": 0},
        {"min_samples": "many"},
        {"from": END.isoformat(), "to": (END - HOUR).isoformat()},
        {"from": "2000-01-01T00:00:00Z", "to": END.isoformat()},
        {"from": "yesterday"},
        {"from": "1970-01-01T00:00:00Z", "to": "1970-01-02T00:00:00Z"},
        {"metric": ["error.rate"] * 20},
    ):
        answer = get(live, "/v1/metrics/worsened", **params)
        assert answer.status_code == 422, (params, answer.text)


def test_another_projects_segments_are_never_shown(live: TelltaleServer) -> None:
    mine = get(live, "/v1/metrics/worsened", **PERIOD).json()["segments"]
    theirs = get(live, "/v1/metrics/worsened", key=live.keys["other"], **PERIOD).json()["segments"]
    assert "m-other" not in {s["value"] for s in mine}
    assert {s["value"] for s in theirs} == {"m-other", "r-other"}


def test_a_trace_is_a_span_tree_with_timings(live: TelltaleServer) -> None:
    body = get(live, "/v1/traces/t-tree").json()
    order = [(s["span_id"], s["depth"]) for s in body["spans"]]
    assert order == [("a", 0), ("b", 1), ("c", 2), ("d", 1), ("e", 0)]
    by_id = {s["span_id"]: s for s in body["spans"]}
    assert [by_id[i]["offset_ms"] for i in "abcde"] == [0, 100, 200, 500, 50]
    assert (by_id["d"]["duration_ms"], by_id["d"]["status"], by_id["d"]["error"]) == (600, "error", "boom")
    assert by_id["c"]["route"] == "retrieve" and by_id["a"]["model"] == "gpt-4o-mini"
    assert body["duration_ms"] == 1200 and body["truncated"] is False
    assert "other project" not in {s["route"] for s in body["spans"]}


def test_a_trace_without_span_ids_is_in_time_order(live: TelltaleServer) -> None:
    spans = get(live, "/v1/traces/t-flat").json()["spans"]
    assert [(s["route"], s["depth"], s["offset_ms"]) for s in spans] == [
        ("step 1", 0, 0),
        ("step 2", 0, 100),
        ("step 0", 0, 300),
    ]


def test_a_session_is_the_conversation_in_order_with_scores_and_feedback(live: TelltaleServer) -> None:
    body = get(live, "/v1/sessions/s-1").json()
    assert body["user_ids"] == ["u-7"] and body["truncated"] is False
    turns = body["turns"]
    assert [t["question"] for t in turns] == [
        "How do refunds work?",
        "And for annual plans?",
        "Thanks, how do I cancel?",
    ]
    assert [t["event_id"] for t in turns] == [t["event_id"] for t in TURNS]
    assert turns[1]["output"] == "answer to And for annual plans?"
    assert all({"safety.pii", "usage"} <= {s["evaluator"] for s in t["scores"]} for t in turns)
    assert [[f["feedback"]["kind"] for f in t["feedback"]] for t in turns] == [[], ["thumbs"], ["flag"]]
    assert turns[1]["feedback"][0]["negative"] is True
    assert turns[1]["feedback"][0]["feedback"]["comment"] == "wrong plan"


@pytest.mark.parametrize("path", ["/v1/traces/t-tree", "/v1/sessions/s-1"])
def test_another_projects_key_sees_none_of_it(live: TelltaleServer, path: str) -> None:
    answer = get(live, path, key=live.keys["other"])
    if path.startswith("/v1/traces"):
        assert [s["route"] for s in answer.json()["spans"]] == ["other project"]
    else:
        assert answer.status_code == 404
    assert get(live, path.replace("t-tree", "t-none").replace("s-1", "s-none")).status_code == 404


@pytest.mark.parametrize("kind", ["traces", "sessions"])
def test_malformed_ids_are_refused(live: TelltaleServer, kind: str) -> None:
    for bad in ("x" * 257, "a%01b", "tab%09id"):
        answer = get(live, f"/v1/{kind}/{bad}")
        assert answer.status_code == 422, (bad, answer.text)
    assert get(live, f"/v1/{kind}/{'x' * 256}").status_code == 404


@pytest.mark.parametrize("path", ["/v1/traces/t-tree", "/v1/sessions/s-1", "/v1/metrics/worsened"])
def test_unauthorised_keys_are_refused(live: TelltaleServer, path: str) -> None:
    with httpx.Client(base_url=live.url) as client:
        assert client.get(path).status_code == 401
        assert client.get(path, headers={"Authorization": "Bearer tt_not_a_key_000000000000000"}).status_code == 401
    assert get(live, path, key=INGEST_KEY).status_code == 403


def test_an_annotation_shows_in_the_draft_at_once_and_goes_into_the_next_version(live: TelltaleServer) -> None:
    """What the console's "Add to a dataset" does: add the event to the draft, then annotate it."""
    event_id = TURNS[0]["event_id"]
    annotation = {"label": "incomplete", "note": "misses the 14-day rule", "corrected_answer": "Within 14 days."}
    with live.client() as client:
        dataset = client.post("/v1/datasets", json={"name": "picked", "query": {"model": ["none"]}}).json()
        path = f"/v1/datasets/{dataset['id']}"
        assert client.post(f"{path}/items", json={"event_ids": [event_id]}).json() == {"added": 1}
        assert client.put(f"{path}/items/{event_id}/annotation", json=annotation).status_code == 200
        [item] = client.get(f"{path}/versions/draft/items").json()["items"]
        assert (item["label"], item["note"], item["ground_truth"]) == (
            "incomplete",
            "misses the 14-day rule",
            "Within 14 days.",
        )
        assert client.post(f"{path}/versions").json()["item_count"] == 1
        [frozen] = client.get(f"{path}/versions/1/items").json()["items"]
        assert (frozen["event_id"], frozen["ground_truth"]) == (event_id, "Within 14 days.")
        assert client.put(f"{path}/items/{event_id}/annotation", json={"label": "x" * 201}).status_code == 422
