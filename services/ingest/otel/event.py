"""Builds the inference event of an LLM span: what every convention shares (ids, time, status, resource)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from telltale_server.schemas import limits
from telltale_server.services.ingest.otel.conventions.base import Convention
from telltale_server.services.ingest.otel.decode import Span

SPAN_IDS = uuid.UUID("0b6c3f5e-2d4a-4c7b-9e1f-8a5d6c7b9e2f")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STATUS_ERROR = 2


def event_id(trace_id: str, span_id: str) -> str:
    """Deterministic per span, so an exporter's retry is a duplicate rather than a second call."""
    return str(uuid.uuid5(SPAN_IDS, f"{trace_id}:{span_id}"))


def to_event(span: Span, convention: Convention) -> dict[str, Any]:
    """The span's inference event, without contexts (those come from the trace's retriever spans)."""
    fields = convention.call(span)
    error = _error(span)
    a = span.attributes
    usage = {key: value for key, value in (fields.pop("usage", None) or {}).items() if value is not None}
    attributes = {
        "otel.span_name": span.name,
        "otel.convention": convention.name,
        **{key: value for key, value in fields.pop("attributes", {}).items() if value is not None},
    }
    event: dict[str, Any] = {
        "event_id": event_id(span.trace_id, span.span_id),
        "ts": (EPOCH + timedelta(microseconds=span.start_ns // 1000)).isoformat(),
        "trace_id": span.trace_id or None,
        "span_id": span.span_id or None,
        "parent_span_id": span.parent_span_id or None,
        "app": span.resource.get("service.name"),
        "environment": span.resource.get("deployment.environment.name", span.resource.get("deployment.environment")),
        "latency_ms": max(0, span.end_ns - span.start_ns) / 1e6 if span.end_ns else None,
        "status": "error" if error is not None else "ok",
        "error": error,
        **{key: value for key, value in fields.items() if value is not None},
        "route": a.get("telltale.route") or fields.get("route"),
        "prompt_version": a.get("telltale.prompt_version") or fields.get("prompt_version"),
        "usage": usage or None,
        "attributes": dict(list(attributes.items())[: limits.MAX_ATTRIBUTES]),
    }
    return {key: value for key, value in event.items() if value is not None}


def _error(span: Span) -> str | None:
    """The span's error: its status message, else the recorded exception, else the error type."""
    if span.status_code != STATUS_ERROR:
        return None
    for name, attributes in span.events:
        if name == "exception":
            kind, message = attributes.get("exception.type", ""), attributes.get("exception.message", "")
            return f"{kind}: {message}".strip(": ") or "error"
    return span.status_message or span.attributes.get("error.type") or "error"
