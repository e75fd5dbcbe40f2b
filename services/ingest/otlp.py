"""Decodes OTLP/HTTP trace exports (protobuf or JSON) into plain spans: one shape for both encodings."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

import orjson
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from telltale_server.schemas import limits
from telltale_server.schemas.nesting import too_deep
from telltale_server.services.ingest.errors import IngestError

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
SPAN_NESTING = 4 * limits.MAX_NESTING + 8
"""Deepest JSON nesting of one span: each level of a nested attribute value costs OTLP four JSON levels."""


@dataclass(frozen=True)
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
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Unreadable:
    """A span that is not OTLP (a bad timestamp, a value of the wrong type, nesting without end): refused alone."""

    raw: dict[str, Any]
    error: str


def decode(body: bytes, content_type: str | None) -> list[Span | Unreadable]:
    """All spans of an export request; a body that is not OTLP at all is refused whole (400/415)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media == PROTOBUF:
        request = ExportTraceServiceRequest()
        try:
            request.ParseFromString(body)
        except DecodeError as error:
            raise IngestError(400, f"body is not an OTLP protobuf ExportTraceServiceRequest: {error}", True) from None
        return _spans(MessageToDict(request), bytes_are_base64=True)
    if media == JSON:
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise IngestError(400, f"malformed OTLP JSON: {error}", keep_body=True) from None
        if not isinstance(document, dict):
            raise IngestError(400, "OTLP JSON must be an ExportTraceServiceRequest object", keep_body=True)
        return _spans(document, bytes_are_base64=False)
    raise IngestError(415, f"unsupported Content-Type {media!r}: use {PROTOBUF} or {JSON}")


def _spans(document: dict[str, Any], bytes_are_base64: bool) -> list[Span | Unreadable]:
    """Flatten resourceSpans → scopeSpans → spans; protobuf's JSON mapping gives ids in base64, OTLP/JSON in hex."""
    spans: list[Span | Unreadable] = []
    for resource_spans in _list(document.get("resourceSpans")):
        resource = resource_spans.get("resource") or {}
        for scope_spans in _list(resource_spans.get("scopeSpans")):
            for span in _list(scope_spans.get("spans")):
                spans.append(_span(span, resource, bytes_are_base64))
    return spans


def _span(span: dict[str, Any], resource: Any, bytes_are_base64: bool) -> Span | Unreadable:
    """One span in plain values, or why it cannot be read; its neighbours are read either way."""
    path = too_deep({"span": span, "resource": resource}, SPAN_NESTING)
    if path is not None:
        return Unreadable(span, f"span nests deeper than {SPAN_NESTING} JSON levels at {path}")
    try:
        status = span.get("status") or {}
        return Span(
            trace_id=_hex(span.get("traceId"), bytes_are_base64),
            span_id=_hex(span.get("spanId"), bytes_are_base64),
            parent_span_id=_hex(span.get("parentSpanId"), bytes_are_base64),
            name=str(span.get("name", "")),
            start_ns=_nanos(span.get("startTimeUnixNano")),
            end_ns=_nanos(span.get("endTimeUnixNano")),
            status_code=_status_code(status.get("code") if isinstance(status, dict) else None),
            status_message=str(status.get("message") or "") if isinstance(status, dict) else "",
            attributes=_attributes(span.get("attributes")),
            resource=_attributes(resource.get("attributes") if isinstance(resource, dict) else None),
            events=[(str(e.get("name", "")), _attributes(e.get("attributes"))) for e in _list(span.get("events"))],
            raw=span,
        )
    except (AttributeError, TypeError, ValueError, binascii.Error) as error:
        return Unreadable(span, f"span is not OTLP: {error}")


def _nanos(value: Any) -> int:
    """A fixed64 time in nanoseconds since the epoch (OTLP/JSON sends it as a decimal string)."""
    nanos = int(value or 0)
    if not 0 <= nanos < 2**64:
        raise ValueError(f"time {nanos} is outside the fixed64 range of nanoseconds since 1970")
    return nanos


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _hex(value: Any, base64_encoded: bool) -> str:
    if not value:
        return ""
    return base64.b64decode(value).hex() if base64_encoded else str(value).lower()


def _status_code(code: Any) -> int:
    """OTLP status: 0 unset, 1 ok, 2 error (JSON exporters may spell them STATUS_CODE_*)."""
    names = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
    return names.get(code, code) if isinstance(code, str) else int(code or 0)


def _attributes(items: Any) -> dict[str, Any]:
    return {str(item.get("key")): _value(item.get("value") or {}) for item in _list(items)}


def _value(value: dict[str, Any]) -> Any:
    """An OTLP AnyValue as a Python value."""
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "arrayValue" in value:
        return [_value(v) for v in _list((value["arrayValue"] or {}).get("values"))]
    if "kvlistValue" in value:
        return _attributes((value["kvlistValue"] or {}).get("values"))
    return None
