"""Reading bodies and splitting batches: every way a body can be wrong gets a precise answer."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator

import orjson
import pytest

from telltale_server.schemas import limits
from telltale_server.schemas.events import InferenceEvent
from telltale_server.services.ingest.batch import split
from telltale_server.services.ingest.body import read_body
from telltale_server.services.ingest.errors import IngestError
from telltale_server.services.ingest.otel import decode
from telltale_server.services.ingest.validate import validate
from tests.support.events import inference


async def _chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def body_of(data: bytes, length: str | None = None, encoding: str | None = None, limit: int = 10_000) -> bytes:
    return asyncio.run(read_body(_chunks(data), length, encoding, limit))


def refused(fn, *args) -> IngestError:  # type: ignore[no-untyped-def]
    with pytest.raises(IngestError) as caught:
        fn(*args)
    return caught.value


def test_declared_oversize_is_refused_before_reading() -> None:
    error = refused(body_of, b"x", "20000")
    assert error.status == 413 and "limit of 10000 bytes" in error.message


def test_undeclared_oversize_is_refused_while_streaming() -> None:
    assert refused(body_of, b"x" * 10_001).status == 413


def test_gzip_is_inflated_and_bombs_are_capped() -> None:
    assert body_of(gzip.compress(b"[1]"), encoding="gzip") == b"[1]"
    bomb = gzip.compress(b"0" * 1_000_000)
    assert len(bomb) < 10_000
    assert refused(body_of, bomb, None, "gzip").status == 413
    assert refused(body_of, b"x", None, "br").status == 415


@pytest.mark.parametrize("sent", [b"not gzip", gzip.compress(b"[1, 2, 3]" * 50)[:-20]], ids=["bad", "truncated"])
def test_a_body_that_does_not_decompress_is_kept_as_sent(sent: bytes) -> None:
    error = refused(body_of, sent, None, "gzip")
    assert (error.status, error.keep_body, error.body) == (400, True, sent)
    assert "gzip" in error.message


def test_json_array_and_single_object() -> None:
    events = [inference(), inference()]
    items = split(orjson.dumps(events), "application/json", 10)
    assert [item.value for item in items] == events
    assert split(orjson.dumps(events[0]), None, 10)[0].value == events[0]


def test_ndjson_keeps_good_lines_and_marks_bad_ones() -> None:
    good = orjson.dumps(inference())
    body = b"\n".join([good, b"{broken", b"\xff\xfe not utf-8", b"", good + b"\r"])
    items = split(body, "application/x-ndjson", 10)
    assert [item.error is None for item in items] == [True, False, False, True]
    assert items[1].error is not None and items[1].error.startswith("malformed JSON")
    assert items[2].error is not None and "UTF-8" in items[2].error
    assert items[2].raw == b"\xff\xfe not utf-8"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "keep"),
    [
        (b"", "application/json", 400, False),
        (b"   \n", "application/x-ndjson", 400, False),
        (b"[]", "application/json", 400, False),
        (b"[{]", "application/json", 400, True),
        (b'"just a string"', "application/json", 400, True),
        (b'["caf\xe9"]', "application/json", 400, True),
        (b"[1]", "application/xml", 415, False),
        (json.dumps([{}] * 11).encode(), "application/json", 413, True),
    ],
)
def test_whole_body_refusals(body: bytes, content_type: str, status: int, keep: bool) -> None:
    error = refused(split, body, content_type, 10)
    assert (error.status, error.keep_body) == (status, keep)


def test_validation_reports_clean_field_paths() -> None:
    items = split(
        orjson.dumps([inference(), inference(input=5), inference(contexts=[{"text": 1}]), 7, inference(model=None)]),
        "application/json",
        10,
    )
    verdicts = validate(items, InferenceEvent)
    assert [v.event is not None for v in verdicts] == [True, False, False, False, False]
    assert {e.field for e in verdicts[1].errors} == {"input"}
    assert [e.field for e in verdicts[2].errors] == ["contexts.0.text"]
    assert verdicts[3].errors[0].reason == "an event must be a JSON object"
    assert verdicts[4].event_id == items[4].value["event_id"]


def test_oversized_single_event_is_refused_alone() -> None:
    big = inference(
        attributes={f"k{i}": "v" * 4000 for i in range(60)}, output="o" * 190_000, contexts=["c" * 30_000] * 40
    )
    items = split(orjson.dumps([big, inference()]), "application/json", 10)
    verdicts = validate(items, InferenceEvent)
    assert verdicts[0].event is None and f"the limit is {limits.MAX_EVENT_BYTES}" in verdicts[0].errors[0].reason
    assert verdicts[1].event is not None


def _otlp_span(**fields: object) -> dict:
    attributes = [{"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}}]
    span = {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331", "name": "chat"}
    return {**span, "startTimeUnixNano": "1700000000000000000", "attributes": attributes, **fields}


def test_an_unreadable_otlp_span_is_refused_alone() -> None:
    deep: dict = {"stringValue": "x"}
    for _ in range(40):
        deep = {"kvlistValue": {"values": [{"key": "k", "value": deep}]}}
    bad = {
        "huge time": _otlp_span(startTimeUnixNano=str(2**64)),
        "negative time": _otlp_span(endTimeUnixNano="-5"),
        "text time": _otlp_span(startTimeUnixNano="soon"),
        "text int": _otlp_span(attributes=[{"key": "n", "value": {"intValue": "1e40"}}]),
        "text double": _otlp_span(attributes=[{"key": "n", "value": {"doubleValue": "many"}}]),
        "array of text": _otlp_span(attributes=[{"key": "n", "value": {"arrayValue": "x"}}]),
        "deep value": _otlp_span(attributes=[{"key": "n", "value": deep}]),
    }
    spans = [_otlp_span(), *bad.values(), _otlp_span(spanId="b7ad6b7169203332")]
    body = orjson.dumps({"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": spans}]}]})
    decoded = decode.decode(body, "application/json")
    assert [bool(span.error) for span in decoded] == [False, *[True] * len(bad), False]
    reasons = dict(zip(bad, (span.error for span in decoded[1:-1]), strict=True))
    assert "fixed64" in reasons["huge time"] and "fixed64" in reasons["negative time"]
    assert reasons["deep value"].startswith(f"span nests deeper than {decode.SPAN_NESTING} JSON levels at span.")
    assert decoded[1].source == bad["huge time"]
