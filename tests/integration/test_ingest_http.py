"""Ingest over real HTTP against `telltale up`: accepted, duplicate, rejected, dead-lettered, never a 5xx."""

from __future__ import annotations

import base64
import gzip
import json
import uuid

import httpx
import orjson
import pytest

from telltale_server.schemas import limits
from tests.support.events import feedback, inference
from tests.support.server import ADMIN_KEY, INGEST_KEY, TelltaleServer


def post(server: TelltaleServer, path: str, body: bytes, key: str = INGEST_KEY, **headers: str) -> httpx.Response:
    response = httpx.post(
        f"{server.url}{path}",
        content=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", **headers},
        timeout=60,
    )
    assert response.status_code < 500, response.text
    return response


def dead_letters(server: TelltaleServer, kind: str = "inference", key: str = ADMIN_KEY) -> list[dict]:
    with server.client(key) as client:
        return client.get("/v1/dead-letters", params={"kind": kind, "limit": 1000}).json()


def stored(server: TelltaleServer, event_id: str, key: str = ADMIN_KEY) -> httpx.Response:
    with server.client(key) as client:
        return client.get(f"/v1/inference/{event_id}")


def test_accepted_events_are_stored_and_evaluated(server: TelltaleServer) -> None:
    events = [inference(usage={"input_tokens": 100, "output_tokens": 20}, latency_ms=321.0) for _ in range(3)]
    response = post(server, "/v1/inference", orjson.dumps(events))
    assert response.status_code == 200
    assert response.json()["accepted"] == 3
    server.wait_processed()
    detail = stored(server, events[0]["event_id"]).json()
    assert detail["event"]["output"] == events[0]["output"]
    assert {(e["evaluator"], e["metric"]) for e in detail["evaluations"]} == {
        ("usage", "error"),
        ("usage", "latency_ms"),
        ("usage", "total_tokens"),
        ("usage", "cost_usd"),
        ("safety.pii", "input"),
        ("safety.pii", "output"),
        ("safety.toxicity", "input"),
        ("safety.toxicity", "output"),
        ("safety.prompt_injection", "input"),
        ("language", "user"),
    }


def test_resent_events_are_duplicates_and_never_double_counted(server: TelltaleServer) -> None:
    route = f"route-{uuid.uuid4().hex[:8]}"
    events = [inference(route=route) for _ in range(5)]
    assert post(server, "/v1/inference", orjson.dumps(events)).json()["accepted"] == 5
    again = post(server, "/v1/inference", orjson.dumps([*events, events[0]])).json()
    assert again["accepted"] == 0 and again["duplicates"] == 6
    with server.client() as client:
        rows = client.get("/v1/metrics/summary", params={"group_by": "route"}).json()["rows"]
    assert [row["count"] for row in rows if row["group"] == route] == [5]


def test_duplicate_inside_one_batch(server: TelltaleServer) -> None:
    event = inference()
    result = post(server, "/v1/inference", orjson.dumps([event, event])).json()
    assert [item["status"] for item in result["items"]] == ["accepted", "duplicate"]


def test_mixed_batch_keeps_valid_items_and_dead_letters_the_rest(server: TelltaleServer) -> None:
    good = inference()
    bad = [
        inference(model=42),
        {k: v for k, v in inference().items() if k != "input"},
        inference(schema_version=2),
        inference(output="x" * (limits.MAX_TEXT_CHARS + 1)),
        inference(contexts=["c"] * (limits.MAX_CONTEXTS + 1)),
    ]
    response = post(server, "/v1/inference", orjson.dumps([good, *bad]))
    assert response.status_code == 207
    items = response.json()["items"]
    assert items[0]["status"] == "accepted"
    assert [item["errors"][0]["field"] for item in items[1:]] == [
        "model",
        "input",
        "schema_version",
        "output",
        "contexts",
    ]
    assert "this server accepts 1" in items[3]["errors"][0]["reason"]
    assert stored(server, good["event_id"]).status_code == 200
    letters = {letter["event_id"]: letter for letter in dead_letters(server)}
    for item in bad:
        letter = letters[item["event_id"]]
        assert json.loads(letter["raw"]) == item
        assert letter["errors"] and letter["reason"]


def test_all_rejected_is_422(server: TelltaleServer) -> None:
    response = post(server, "/v1/inference", orjson.dumps([inference(status="broken")]))
    assert response.status_code == 422
    assert response.json()["items"][0]["errors"][0]["field"] == "status"


@pytest.mark.parametrize("body", [b'[{"event_id": "1",', b"\xff\xfe[{}]"], ids=["malformed", "not-utf8"])
def test_unreadable_body_is_400_and_kept_whole(server: TelltaleServer, body: bytes) -> None:
    response = post(server, "/v1/inference", body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(("malformed JSON", "body is not valid UTF-8"))
    raws = [
        base64.b64decode(letter["raw"]) if letter["raw_encoding"] == "base64" else letter["raw"].encode()
        for letter in dead_letters(server)
    ]
    assert body in raws


def test_ndjson_with_a_non_utf8_line(server: TelltaleServer) -> None:
    good = inference()
    body = orjson.dumps(good) + b"\n" + b'{"model": "caf\xe9"}\n'
    response = post(server, "/v1/inference", body, **{"Content-Type": "application/x-ndjson"})
    assert response.status_code == 207
    assert response.json()["items"][1]["errors"][0]["reason"].startswith("line is not valid UTF-8")
    letter = next(letter for letter in dead_letters(server) if letter["raw_encoding"] == "base64")
    assert base64.b64decode(letter["raw"]) == b'{"model": "caf\xe9"}'


def test_json_that_curl_labels_as_a_form_is_read_as_json(server: TelltaleServer) -> None:
    """`curl -d` without a Content-Type sends application/x-www-form-urlencoded; the body is JSON all the same."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    event = inference()
    response = post(server, "/v1/inference", orjson.dumps([event]), **form)
    assert response.status_code == 200 and response.json()["accepted"] == 1
    assert stored(server, event["event_id"]).status_code == 200
    thumbs = post(server, "/v1/feedback", orjson.dumps([feedback(event["event_id"])]), **form)
    assert thumbs.status_code == 200 and thumbs.json()["accepted"] == 1
    rule = {"name": "errors", "metric": "error.rate", "comparator": ">", "threshold": 0.5}
    made = httpx.post(
        f"{server.url}/v1/alert-rules",
        content=orjson.dumps(rule),
        headers={"Authorization": f"Bearer {ADMIN_KEY}", **form},
    )
    assert made.status_code == 201, made.text


def test_a_real_form_is_400_and_kept_whole(server: TelltaleServer) -> None:
    body = b"model=gpt-4o&input=hi"
    response = post(server, "/v1/inference", body, **{"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400 and response.json()["detail"].startswith("malformed JSON")
    assert body.decode() in [letter["raw"] for letter in dead_letters(server)]


@pytest.mark.parametrize("media", ["text/xml", "multipart/form-data; boundary=x", "application/octet-stream"])
def test_other_content_types_stay_415(server: TelltaleServer, media: str) -> None:
    response = post(server, "/v1/inference", orjson.dumps([inference()]), **{"Content-Type": media})
    assert response.status_code == 415 and "unsupported Content-Type" in response.json()["detail"]


@pytest.mark.parametrize("body", [b"", b"[]"], ids=["empty-body", "empty-array"])
def test_empty_batch_is_400(server: TelltaleServer, body: bytes) -> None:
    response = post(server, "/v1/inference", body)
    assert response.status_code == 400 and "empty" in response.json()["detail"]


def test_oversized_body_is_413(server: TelltaleServer) -> None:
    response = post(server, "/v1/inference", b"[" + b" " * (limits.MAX_BODY_BYTES + 1) + b"]")
    assert response.status_code == 413 and "exceeds the limit" in response.json()["detail"]


def test_too_many_events_is_413_and_kept(server: TelltaleServer) -> None:
    marker = str(uuid.uuid4())
    body = orjson.dumps([inference(route=marker) for _ in range(limits.MAX_BATCH_ITEMS + 1)])
    response = post(server, "/v1/inference", body)
    assert response.status_code == 413 and "the limit is 1000" in response.json()["detail"]
    assert any(marker in letter["raw"] for letter in dead_letters(server))


def test_gzip_body(server: TelltaleServer) -> None:
    event = inference()
    response = post(server, "/v1/inference", gzip.compress(orjson.dumps([event])), **{"Content-Encoding": "gzip"})
    assert response.json()["accepted"] == 1


def test_missing_invalid_and_wrong_scope_keys(server: TelltaleServer) -> None:
    body = orjson.dumps([inference()])
    missing = httpx.post(f"{server.url}/v1/inference", content=body)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    assert post(server, "/v1/inference", body, key="tt_ingest_wrongwrongwrongwrongwrong").status_code == 401
    assert post(server, "/v1/inference", body, key=server.keys["reader"]).status_code == 403
    with server.client(INGEST_KEY) as client:
        assert client.get("/v1/metrics/summary").status_code == 403
    assert post(server, "/v1/inference", body, key=ADMIN_KEY).status_code == 200


def test_the_project_comes_from_the_key(server: TelltaleServer) -> None:
    event = inference()
    assert post(server, "/v1/inference", orjson.dumps([event]), key=server.keys["other"]).status_code == 200
    assert stored(server, event["event_id"], key=server.keys["other"]).status_code == 200
    assert stored(server, event["event_id"], key=ADMIN_KEY).status_code == 404
    refused = post(server, "/v1/inference", orjson.dumps([inference(project_id="main")]), key=server.keys["other"])
    assert refused.json()["items"][0]["errors"][0] == {
        "field": "project_id",
        "reason": "Extra inputs are not permitted",
    }


def test_feedback_is_attached_to_its_inference(server: TelltaleServer) -> None:
    event = inference(trace_id="trace-" + uuid.uuid4().hex)
    post(server, "/v1/inference", orjson.dumps([event]))
    by_trace = feedback(kind="comment", comment="too long", trace_id=event["trace_id"])
    del by_trace["inference_id"]
    items = [feedback(event["event_id"], value="down"), by_trace, feedback(event["event_id"], kind="rating", value=7)]
    response = post(server, "/v1/feedback", orjson.dumps(items))
    assert response.status_code == 207
    assert "outside 1..5" in response.json()["items"][2]["errors"][0]["reason"]
    detail = stored(server, event["event_id"]).json()
    assert sorted(f["feedback"]["kind"] for f in detail["feedback"]) == ["comment", "thumbs"]
    assert [f["negative"] for f in detail["feedback"] if f["feedback"]["kind"] == "thumbs"] == [True]
    assert dead_letters(server, kind="feedback")[0]["event_id"] == items[2]["event_id"]


def test_evaluator_policy_turns_an_evaluator_off_for_one_project(server: TelltaleServer) -> None:
    with server.client() as admin:
        listed = {e["name"]: e for e in admin.get("/v1/evaluators").json()}
        assert listed["usage"]["policy"] == {"enabled": True, "sample_rate": 1.0, "routes": [], "models": []}
        assert admin.put("/v1/evaluators/safety.pii", json={"enabled": False}).status_code == 200
        assert admin.put("/v1/evaluators/nope", json={}).status_code == 404
        assert admin.put("/v1/evaluators/usage", json={"sample_rate": 2}).status_code == 422
    with server.client(server.keys["reader"]) as reader:
        assert reader.put("/v1/evaluators/usage", json={}).status_code == 403
    event = inference(output="mail me: a@b.example")
    post(server, "/v1/inference", orjson.dumps([event]))
    server.wait_processed()
    evaluators = {e["evaluator"] for e in stored(server, event["event_id"]).json()["evaluations"]}
    with server.client() as admin:
        admin.put("/v1/evaluators/safety.pii", json={"enabled": True})
    assert evaluators == {"usage", "safety.toxicity", "safety.prompt_injection", "language"}


def _raw_letters(server: TelltaleServer) -> list[bytes]:
    with server.client() as client:
        found = client.get("/v1/dead-letters", params={"limit": 1000}).json()
    return [base64.b64decode(x["raw"]) if x["raw_encoding"] == "base64" else x["raw"].encode() for x in found]


@pytest.mark.parametrize("path", ["/v1/inference", "/v1/feedback", "/v1/traces"])
@pytest.mark.parametrize("damage", ["bad", "truncated"])
def test_unreadable_gzip_is_400_and_kept_as_sent(server: TelltaleServer, path: str, damage: str) -> None:
    whole = gzip.compress(orjson.dumps([inference(route=str(uuid.uuid4()))]))
    sent = whole[:-12] if damage == "truncated" else b"\x1f\x8b" + uuid.uuid4().bytes
    response = post(server, path, sent, **{"Content-Encoding": "gzip"})
    assert response.status_code == 400 and "gzip" in response.json()["detail"]
    assert _raw_letters(server).count(sent) == 1


def test_a_refused_item_sent_again_is_kept_once(server: TelltaleServer) -> None:
    bad = inference(model=None, route=str(uuid.uuid4()))
    for _ in range(3):
        assert post(server, "/v1/inference", orjson.dumps([bad])).status_code == 422
    assert [letter["event_id"] for letter in dead_letters(server)].count(bad["event_id"]) == 1
