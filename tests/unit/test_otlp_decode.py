"""OTLP decoding: both encodings read the same, and malformed shapes inside a readable body never raise."""

from __future__ import annotations

import base64

import orjson
import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

from telltale_server.services.ingest.errors import IngestError
from telltale_server.services.ingest.otel import decode
from tests.support.otel import Recorder


def test_protobuf_and_json_encodings_decode_alike() -> None:
    recorder = Recorder()
    with recorder.tracer.start_as_current_span("chat") as span:
        span.set_attributes({"s": "x", "i": 2**62, "f": 0.5, "b": True, "list": ["a", "b"]})
        span.add_event("exception", {"exception.type": "E"})
    request = encode_spans(recorder.spans())
    document = MessageToDict(request)
    for resource in document["resourceSpans"]:
        for scope in resource["scopeSpans"]:
            for item in scope["spans"]:
                for key in ("traceId", "spanId"):
                    item[key] = base64.b64decode(item[key]).hex()
    [binary] = decode.decode(request.SerializeToString(), decode.PROTOBUF)
    [text] = decode.decode(orjson.dumps(document), decode.JSON)
    fields = ("trace_id", "span_id", "parent_span_id", "name", "start_ns", "end_ns", "attributes", "events", "scope")
    assert [getattr(binary, f) for f in fields] == [getattr(text, f) for f in fields]
    assert binary.attributes == {"s": "x", "i": 2**62, "f": 0.5, "b": True, "list": ["a", "b"]}
    assert orjson.loads(binary.original())["spanId"] == binary.span_id


@pytest.mark.parametrize(
    "document",
    [
        {"resourceSpans": [{"resource": [1], "scopeSpans": [{"scope": "x", "spans": [{"status": 3}]}]}]},
        {"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": [{"key": "k", "value": "text"}]}]}]}]},
        {"resourceSpans": [{"scopeSpans": [{"spans": [{"endTimeUnixNano": "0", "status": {"code": "odd"}}]}]}]},
        {"resourceSpans": "none"},
    ],
)
def test_odd_shapes_around_values_read_as_empty(document: dict) -> None:
    for span in decode.decode(orjson.dumps(document), decode.JSON):
        assert span.error == "" and span.start_ns == 0 and span.status_code == 0
        assert all(value is None for value in span.attributes.values())


@pytest.mark.parametrize("time", ["soon", "-1", str(2**64)])
def test_a_span_with_a_time_outside_fixed64_is_unreadable_alone(time: str) -> None:
    good = {"spanId": "b1", "startTimeUnixNano": "1700000000000000000"}
    spans = [good, {"traceId": "AB", "spanId": "a1", "startTimeUnixNano": time}]
    document = {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}
    ok, bad = decode.decode(orjson.dumps(document), decode.JSON)
    assert ok.error == "" and ok.start_ns == 1700000000000000000
    assert "not OTLP" in bad.error and (bad.trace_id, bad.span_id) == ("ab", "a1")
    assert orjson.loads(bad.original()) == spans[1]


def test_values_nested_without_end_make_a_span_unreadable_in_both_encodings() -> None:
    recorder = Recorder()
    deep: object = "leaf"
    for _ in range(decode.VALUE_NESTING + 2):
        deep = [deep]
    with recorder.tracer.start_as_current_span("chat") as span:
        span.set_attribute("gen_ai.request.model", "m")
    request = encode_spans(recorder.spans())
    value = request.resource_spans[0].scope_spans[0].spans[0].attributes.add(key="deep").value
    for _ in range(decode.VALUE_NESTING + 2):
        value = value.array_value.values.add()
    value.string_value = "leaf"
    [span] = decode.decode(request.SerializeToString(), decode.PROTOBUF)
    assert str(decode.SPAN_NESTING) in span.error and span.attributes == {}
    assert orjson.loads(span.original())["name"] == "chat"


def test_bodies_that_are_not_otlp_are_refused_whole() -> None:
    with pytest.raises(IngestError) as garbage:
        decode.decode(b"\xff\x00garbage", decode.PROTOBUF)
    assert garbage.value.status == 400 and garbage.value.keep_body
    with pytest.raises(IngestError) as array:
        decode.decode(b"[]", "application/json; charset=utf-8")
    assert array.value.status == 400
    with pytest.raises(IngestError) as media:
        decode.decode(b"{}", "text/xml")
    assert media.value.status == 415
