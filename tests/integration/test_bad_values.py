"""Issue 17, part 2, against a real `telltale up`: one bad value is refused alone, never a 500 for its batch.

Each case is a batch of a valid event beside one bad value. The valid event must be stored, the bad one
answered with its field path and kept as a dead letter with its bytes, or stored faithfully where the
contract takes it.
"""

from __future__ import annotations

import json
import math
import uuid

import httpx
import orjson
import pytest

from telltale_server.services.ingest.otel import decode
from tests.support.events import feedback, inference, nested_list, nested_object, with_raw
from tests.support.server import ADMIN_KEY, INGEST_KEY, TelltaleServer

INFERENCE_CASES = {
    "ts before 1970": (dict(ts=b'"1969-12-31T23:59:59Z"'), "ts"),
    "ts far before 1970": (dict(ts=b'"0999-01-01T00:00:00Z"'), "ts"),
    "ts far future": (dict(ts=b'"9999-12-31T23:59:59Z"'), "ts"),
    "tokens 2^32": (dict(usage=b'{"input_tokens": 4294967296}'), "usage.input_tokens"),
    "tokens 2^64": (dict(usage=b'{"output_tokens": 18446744073709551616}'), "usage.output_tokens"),
    "tokens 2^70 total": (dict(usage=b'{"total_tokens": 1180591620717411303424}'), "usage.total_tokens"),
    "tokens that sum past 2^32": (dict(usage=b'{"input_tokens": 4294967295, "output_tokens": 1}'), "usage"),
    "cost 1.7e308": (dict(usage=b'{"cost": 1.7e308}'), "usage.cost"),
    "content parts 300 deep": (
        dict(input=b'[{"role":"user","content":[{"type":"text","x":' + nested_list(300) + b"}]}]"),
        "input.0",
    ),
    "attributes 500 deep": (dict(attributes=b'{"a":' + nested_object(500) + b"}"), "attributes.a"),
}


def post(server: TelltaleServer, path: str, body: bytes, content_type: str = "application/json") -> httpx.Response:
    headers = {"Authorization": f"Bearer {INGEST_KEY}", "Content-Type": content_type}
    response = httpx.post(f"{server.url}{path}", content=body, headers=headers, timeout=60)
    assert response.status_code < 500, response.text
    return response


def letters(server: TelltaleServer, kind: str) -> dict[str, dict]:
    with server.client(ADMIN_KEY) as client:
        found = client.get("/v1/dead-letters", params={"kind": kind, "limit": 1000}).json()
    return {letter["event_id"]: letter for letter in found}


def read(server: TelltaleServer, event_id: str) -> httpx.Response:
    with server.client(ADMIN_KEY) as client:
        return client.get(f"/v1/inference/{event_id}")


@pytest.mark.parametrize("case", INFERENCE_CASES, ids=list(INFERENCE_CASES))
def test_a_bad_inference_value_is_refused_alone(server: TelltaleServer, case: str) -> None:
    values, field = INFERENCE_CASES[case]
    good, bad = inference(), inference()
    bad_bytes = with_raw(bad, **values)
    response = post(server, "/v1/inference", b"[" + orjson.dumps(good) + b"," + bad_bytes + b"]")
    assert response.status_code == 207, response.text
    accepted, refused = response.json()["items"]
    assert accepted["status"] == "accepted"
    assert refused["status"] == "rejected" and field in [error["field"] for error in refused["errors"]]
    assert read(server, good["event_id"]).status_code == 200
    letter = letters(server, "inference")[bad["event_id"]]
    assert letter["reason"].startswith(field)
    assert letter["raw"].encode() == bad_bytes or json.loads(letter["raw"]) == json.loads(bad_bytes)


def test_the_same_cases_as_ndjson_keep_their_exact_bytes(server: TelltaleServer) -> None:
    bad = [(inference(), values) for values, _ in INFERENCE_CASES.values()]
    lines = [with_raw(event, **values) for event, values in bad]
    good = inference()
    response = post(server, "/v1/inference", b"\n".join([orjson.dumps(good), *lines]), "application/x-ndjson")
    assert response.status_code == 207
    assert [item["status"] for item in response.json()["items"]] == ["accepted"] + ["rejected"] * len(lines)
    kept = letters(server, "inference")
    assert [kept[event["event_id"]]["raw"].encode() for event, _ in bad] == lines


def test_the_earliest_times_are_stored_faithfully(server: TelltaleServer) -> None:
    events = [inference(ts=ts) for ts in ("1970-01-01T00:00:00Z", "1973-03-03T09:46:39.5Z", "1973-03-03T09:46:40Z")]
    assert post(server, "/v1/inference", orjson.dumps(events)).json()["accepted"] == 3
    assert [read(server, e["event_id"]).json()["event"]["ts"] for e in events] == [
        "1970-01-01T00:00:00Z",
        "1973-03-03T09:46:39.500000Z",
        "1973-03-03T09:46:40Z",
    ]


def test_one_batch_may_span_decades(server: TelltaleServer) -> None:
    events = [inference(ts=f"{1970 + month // 12}-{month % 12 + 1:02d}-15T00:00:00Z") for month in range(0, 660, 5)]
    assert post(server, "/v1/inference", orjson.dumps(events)).json()["accepted"] == len(events)


def test_feedback_times_before_1970_are_refused_and_the_epoch_kept(server: TelltaleServer) -> None:
    old, epoch = feedback(ts="1969-07-20T20:17:00Z"), feedback(ts="1970-01-01T00:00:00Z")
    response = post(server, "/v1/feedback", orjson.dumps([epoch, old]))
    assert response.status_code == 207
    assert response.json()["items"][1]["errors"][0]["field"] == "ts"
    assert json.loads(letters(server, "feedback")[old["event_id"]]["raw"]) == old


def test_a_huge_cost_leaves_cost_sum_finite(server: TelltaleServer) -> None:
    route = f"cost-{uuid.uuid4().hex[:8]}"
    cheap = inference(route=route, usage={"input_tokens": 10, "output_tokens": 5, "cost": 0.25})
    body = b"[" + orjson.dumps(cheap) + b"," + with_raw(inference(route=route), usage=b'{"cost": 1.7e308}') + b"]"
    assert post(server, "/v1/inference", body).status_code == 207
    server.wait_processed()
    with server.client(ADMIN_KEY) as client:
        answer = client.get("/v1/metrics/cost.sum", params={"window": "1h", "route": route}).json()
    [group] = answer["groups"]
    assert group["value"] == pytest.approx(0.25) and math.isfinite(group["value"])


def _span(span_id: str, **fields: object) -> dict:
    attributes = [{"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}}]
    base = {"traceId": uuid.uuid4().hex, "spanId": span_id, "name": "chat", "attributes": attributes}
    return {**base, "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000001000000000", **fields}


def test_bad_otlp_spans_are_refused_alone(server: TelltaleServer) -> None:
    deep: dict = {"stringValue": "x"}
    for _ in range(40):
        deep = {"kvlistValue": {"values": [{"key": "k", "value": deep}]}}
    usage = [{"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}}]
    bad = [
        _span("00000000000000a1", startTimeUnixNano="0", endTimeUnixNano="1000000"),
        _span("00000000000000a2", startTimeUnixNano=str(2**64 - 1)),
        _span("00000000000000a3", startTimeUnixNano="-1"),
        _span(
            "00000000000000a4",
            attributes=[*usage, {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(2**64)}}],
        ),
        _span("00000000000000a5", attributes=[*usage, {"key": "deep", "value": deep}]),
    ]
    good = _span("00000000000000b1")
    document = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": [good, *bad]}]}]}
    response = post(server, "/v1/traces", orjson.dumps(document))
    assert response.status_code == 200
    assert (response.headers["Telltale-Accepted"], response.headers["Telltale-Rejected"]) == ("2", "4")
    assert response.json()["partialSuccess"]["rejectedSpans"] == 4
    with server.client(ADMIN_KEY) as client:
        kept = client.get("/v1/dead-letters", params={"limit": 1000}).json()
    sources = [letter for letter in kept if letter["source"] == "http:/v1/traces"]
    reasons = " ".join(letter["reason"] for letter in sources)
    assert "fixed64" in reasons and "usage.input_tokens" in reasons and str(decode.SPAN_NESTING) in reasons
    assert any(json.loads(letter["raw"]) == bad[4] for letter in sources)
