"""Decodes OTLP/HTTP trace exports (protobuf or JSON) into plain spans: one shape for both encodings.

Protobuf is read message by message (no detour through dicts: MessageToDict was half of the OTLP ingest's time).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from telltale_server.schemas import limits
from telltale_server.schemas.nesting import encode, too_deep
from telltale_server.services.ingest.errors import IngestError

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
SPAN_NESTING = 4 * limits.MAX_NESTING + 8
"""Deepest JSON nesting of one span: each level of a nested attribute value costs OTLP four JSON levels."""
VALUE_NESTING = limits.MAX_NESTING
"""Deepest nesting of one protobuf attribute value (AnyValue in AnyValue), the same bound in protobuf's terms."""
FIXED64 = 2**64


class _Unreadable(ValueError):
    """A span that is not OTLP: a time outside fixed64, nesting without end."""


@dataclass(frozen=True, slots=True)
class Span:
    """The parts of an OTLP span Telltale reads, with ids as lower-case hex and attributes as plain values."""

    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    start_ns: int
    end_ns: int
    status_code: int
    status_message: str
    attributes: dict[str, Any]
    resource: dict[str, Any]
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    scope: str = ""
    source: Any = None
    """The span as it came (a protobuf message or a JSON object), to keep when it cannot be mapped."""
    error: str = ""
    """Why the span cannot be read at all (then it is refused alone: nothing says whether it was a call)."""

    def original(self) -> bytes:
        """The span as JSON bytes (protobuf spans in OTLP/JSON form, ids in hex), for a dead letter."""
        if isinstance(self.source, dict):
            return encode(self.source)
        document = MessageToDict(self.source) if self.source is not None else {}
        for key in ("traceId", "spanId", "parentSpanId"):
            if key in document:
                document[key] = base64.b64decode(document[key]).hex()
        return encode(document)


def decode(body: bytes, content_type: str | None) -> list[Span]:
    """All spans of an export request; a body that is not OTLP at all is refused whole (400/415)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media == PROTOBUF:
        request = ExportTraceServiceRequest()
        try:
            request.ParseFromString(body)
        except DecodeError as error:
            raise IngestError(400, f"body is not an OTLP protobuf ExportTraceServiceRequest: {error}", True) from None
        return _protobuf_spans(request)
    if media == JSON:
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise IngestError(400, f"malformed OTLP JSON: {error}", keep_body=True) from None
        if not isinstance(document, dict):
            raise IngestError(400, "OTLP JSON must be an ExportTraceServiceRequest object", keep_body=True)
        return _json_spans(document)
    raise IngestError(415, f"unsupported Content-Type {media!r}: use {PROTOBUF} or {JSON}")


def _protobuf_spans(request: ExportTraceServiceRequest) -> list[Span]:
    """Walk resource → scope → span messages; ids are raw bytes in protobuf."""
    spans = []
    for resource_spans in request.resource_spans:
        try:
            resource = _key_values(resource_spans.resource.attributes)
        except _Unreadable:
            resource = {}
        for scope_spans in resource_spans.scope_spans:
            scope = scope_spans.scope.name
            for span in scope_spans.spans:
                try:
                    attributes = _key_values(span.attributes)
                    events = [(e.name, _key_values(e.attributes)) for e in span.events]
                except _Unreadable as error:
                    spans.append(_unreadable(span, str(error)))
                    continue
                spans.append(
                    Span(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        name=span.name,
                        start_ns=span.start_time_unix_nano,
                        end_ns=span.end_time_unix_nano,
                        status_code=span.status.code,
                        status_message=span.status.message,
                        attributes=attributes,
                        resource=resource,
                        events=events,
                        scope=scope,
                        source=span,
                    )
                )
    return spans


def _key_values(items: Iterable[KeyValue]) -> dict[str, Any]:
    """Attributes as a dict; strings, the most common values by far, are read without a call."""
    found = {}
    for item in items:
        value = item.value
        found[item.key] = value.string_value if value.WhichOneof("value") == "string_value" else _any(value)
    return found


def _any(value: AnyValue, depth: int = 0) -> Any:
    """An OTLP AnyValue message as a Python value."""
    kind = value.WhichOneof("value")
    if depth > VALUE_NESTING and kind in ("array_value", "kvlist_value"):
        raise _Unreadable(f"span nests deeper than {SPAN_NESTING} JSON levels ({VALUE_NESTING} nested values)")
    if kind == "string_value":
        return value.string_value
    if kind == "int_value":
        return value.int_value
    if kind == "double_value":
        return value.double_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "array_value":
        return [_any(item, depth + 1) for item in value.array_value.values]
    if kind == "kvlist_value":
        return {item.key: _any(item.value, depth + 1) for item in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return None


def _json_spans(document: dict[str, Any]) -> list[Span]:
    """Flatten resourceSpans → scopeSpans → spans of OTLP/JSON, whose ids are hex strings."""
    spans = []
    for resource_spans in _list(document.get("resourceSpans")):
        try:
            resource = _attributes(_dict(resource_spans.get("resource")).get("attributes"))
        except _Unreadable:
            resource = {}
        for scope_spans in _list(resource_spans.get("scopeSpans")):
            scope = str(_dict(scope_spans.get("scope")).get("name") or "")
            for span in _list(scope_spans.get("spans")):
                path = too_deep({"span": span, "resource": resource_spans.get("resource")}, SPAN_NESTING)
                if path is not None:
                    spans.append(_unreadable(span, f"span nests deeper than {SPAN_NESTING} JSON levels at {path}"))
                    continue
                status = _dict(span.get("status"))
                try:
                    start_ns, end_ns = _nanos(span.get("startTimeUnixNano")), _nanos(span.get("endTimeUnixNano"))
                    attributes = _attributes(span.get("attributes"))
                    events = [
                        (str(e.get("name", "")), _attributes(e.get("attributes"))) for e in _list(span.get("events"))
                    ]
                except _Unreadable as error:
                    spans.append(_unreadable(span, str(error)))
                    continue
                spans.append(
                    Span(
                        trace_id=str(span.get("traceId") or "").lower(),
                        span_id=str(span.get("spanId") or "").lower(),
                        parent_span_id=str(span.get("parentSpanId") or "").lower(),
                        name=str(span.get("name", "")),
                        start_ns=start_ns,
                        end_ns=end_ns,
                        status_code=_status_code(status.get("code")),
                        status_message=str(status.get("message") or ""),
                        attributes=attributes,
                        resource=resource,
                        events=events,
                        scope=scope,
                        source=span,
                    )
                )
    return spans


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _unreadable(source: Any, error: str) -> Span:
    """A span refused alone, kept with its ids where they can be read."""
    if isinstance(source, dict):
        trace_id, span_id = str(source.get("traceId") or "").lower(), str(source.get("spanId") or "").lower()
    else:
        trace_id, span_id = source.trace_id.hex(), source.span_id.hex()
    return Span(trace_id, span_id, "", "", 0, 0, 0, "", {}, {}, source=source, error=error)


def _nanos(value: Any) -> int:
    """A fixed64 time in nanoseconds since the epoch (OTLP/JSON sends it as a decimal string)."""
    try:
        nanos = int(value or 0)
    except (TypeError, ValueError):
        raise _Unreadable(f"span is not OTLP: time {value!r} is not a number of nanoseconds") from None
    if not 0 <= nanos < FIXED64:
        raise _Unreadable(f"span is not OTLP: time {nanos} is outside the fixed64 range of nanoseconds since 1970")
    return nanos


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int:
    """OTLP/JSON writes 64-bit integers as strings; anything unreadable is 0 (the span then has no time)."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _status_code(code: Any) -> int:
    """OTLP status: 0 unset, 1 ok, 2 error (JSON exporters may spell them STATUS_CODE_*)."""
    names = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
    return names.get(code, 0) if isinstance(code, str) else _int(code)


def _attributes(items: Any) -> dict[str, Any]:
    return {str(item.get("key")): _value(_dict(item.get("value"))) for item in _list(items)}


def _value(value: dict[str, Any]) -> Any:
    """An OTLP/JSON AnyValue as a Python value; a value of the wrong type makes its span unreadable."""
    try:
        if "stringValue" in value:
            return str(value["stringValue"])
        if "intValue" in value:
            return int(value["intValue"])
        if "doubleValue" in value:
            return float(value["doubleValue"])
        if "boolValue" in value:
            return bool(value["boolValue"])
        if "arrayValue" in value:
            return [_value(_dict(v)) for v in value["arrayValue"].get("values", [])]
        if "kvlistValue" in value:
            return _attributes(value["kvlistValue"].get("values"))
    except (TypeError, ValueError, AttributeError) as error:
        raise _Unreadable(f"span is not OTLP: {error}") from None
    return None
