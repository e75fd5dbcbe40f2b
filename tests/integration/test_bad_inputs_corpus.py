"""Issue 17's bad inputs, kept as regression cases against a real `telltale up`: each is refused naming its field
(per item in a batch, whose other events are stored; a 422 elsewhere), or stored faithfully; never a 5xx."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from tests.support.events import feedback, inference, nested_list, nested_object, with_raw
from tests.support.server import ADMIN_KEY, INGEST_KEY, TelltaleServer

DEEP_INPUT = b'[{"role":"user","content":[{"type":"text","x":' + nested_list(300) + b"}]}]"
BATCH_CASES: dict[str, tuple[str, dict[str, bytes], str | None]] = {
    "inference ts 1969": ("inference", {"ts": b'"1969-12-31T23:59:59Z"'}, "ts"),
    "inference ts year 999": ("inference", {"ts": b'"0999-01-01T00:00:00Z"'}, "ts"),
    "inference ts 1972 is kept": ("inference", {"ts": b'"1972-06-01T00:00:00Z"'}, None),
    "tokens 2^32": ("inference", {"usage": b'{"input_tokens": 4294967296}'}, "usage.input_tokens"),
    "tokens 2^64": ("inference", {"usage": b'{"output_tokens": 18446744073709551616}'}, "usage.output_tokens"),
    "content parts 300 deep": ("inference", {"input": DEEP_INPUT}, "input.0"),
    "attributes 500 deep": ("inference", {"attributes": b'{"a":' + nested_object(500) + b"}"}, "attributes.a"),
    "cost 1.7e308": ("inference", {"usage": b'{"cost": 1.7e308}'}, "usage.cost"),
    "feedback ts 1969": ("feedback", {"ts": b'"1969-07-20T20:17:00Z"'}, "ts"),
}
"""(kind, fields as raw JSON, the field named in the refusal or None for stored) for one event beside a good one."""

RULE = {"name": "corpus", "metric": "error.rate", "comparator": ">", "threshold": 0.5}
ENDS = "2099-01-01T00:00:00Z"
API_CASES: dict[str, tuple[str, str, dict[str, Any], list[str | int]]] = {
    "rule for null": ("POST", "/v1/alert-rules", {"json": {**RULE, "for": None}}, ["body", "for"]),
    "dataset schedule {}": (
        "POST",
        "/v1/datasets",
        {"json": {"name": "corpus", "query": {}, "schedule": {}}},
        ["body", "schedule"],
    ),
    "summary from year 999": (
        "GET",
        "/v1/metrics/summary",
        {"params": {"from": "0999-01-01T00:00:00Z"}},
        ["query", "from"],
    ),
    "events to year 999": ("GET", "/v1/inference", {"params": {"to": "0999-01-01T00:00:00Z"}}, ["query", "to"]),
    "summary to a number": ("GET", "/v1/metrics/summary", {"params": {"to": "0.5"}}, ["query", "to"]),
    "dataset start a number": (
        "POST",
        "/v1/datasets",
        {"json": {"name": "corpus", "query": {"start": 1700000000}}},
        ["body", "query", "start"],
    ),
    "drift from year 999": ("GET", "/v1/drift", {"params": {"from": "0999-12-31T23:59:59Z"}}, ["query", "from"]),
    "silence regex": (
        "POST",
        "/v1/silences",
        {"json": {"matchers": [{"name": "model", "value": "(", "op": "=~"}], "ends_at": ENDS}},
        ["body", "matchers", 0],
    ),
    "trailing monitor with dataset_id": (
        "POST",
        "/v1/drift/monitors",
        {"json": {"monitor_id": "corpus", "config": {"reference": {"kind": "trailing", "dataset_id": "ds_0"}}}},
        ["body", "config", "reference"],
    ),
    "trailing monitor with dataset_id, replaced": (
        "PUT",
        "/v1/drift/monitors/default",
        {"json": {"reference": {"kind": "trailing", "dataset_id": "ds_0"}}},
        ["body", "reference"],
    ),
}
"""(method, path, request arguments, the `loc` of the 422) for the inputs the fuzzer once answered with a 500, or
took although the document refuses them (a number for a date-time)."""


@pytest.mark.parametrize("case", BATCH_CASES, ids=list(BATCH_CASES))
def test_a_bad_value_in_a_batch_loses_nothing_beside_it(server: TelltaleServer, case: str) -> None:
    kind, values, field = BATCH_CASES[case]
    make = inference if kind == "inference" else feedback
    good, bad = make(), make()
    body = b"[" + orjson.dumps(good) + b"," + with_raw(bad, **values) + b"]"
    headers = {"Authorization": f"Bearer {INGEST_KEY}", "Content-Type": "application/json"}
    response = httpx.post(f"{server.url}/v1/{kind}", content=body, headers=headers, timeout=60)
    assert response.status_code in (200, 207), response.text
    kept, judged = response.json()["items"]
    assert kept["status"] == "accepted"
    if field is None:
        assert judged["status"] == "accepted"
    else:
        assert judged["status"] == "rejected" and field in [error["field"] for error in judged["errors"]]
    if kind == "inference":
        with server.client(ADMIN_KEY) as client:
            assert client.get(f"/v1/inference/{good['event_id']}").status_code == 200


@pytest.mark.parametrize("case", API_CASES, ids=list(API_CASES))
def test_a_bad_api_input_is_a_422_naming_its_field(server: TelltaleServer, case: str) -> None:
    method, path, arguments, location = API_CASES[case]
    with server.client(ADMIN_KEY) as client:
        response = client.request(method, path, **arguments)
    assert response.status_code == 422, response.text
    assert location in [error["loc"] for error in response.json()["detail"]]
