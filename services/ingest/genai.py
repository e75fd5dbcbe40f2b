"""Maps spans that follow the OpenTelemetry GenAI semantic conventions to v1 inference events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from telltale_server.services.ingest.otlp import Span

MARKERS = ("gen_ai.request.model", "gen_ai.response.model", "gen_ai.system", "gen_ai.provider.name")
SPAN_IDS = uuid.UUID("0b6c3f5e-2d4a-4c7b-9e1f-8a5d6c7b9e2f")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STATUS_ERROR = 2


def is_genai(span: Span) -> bool:
    """Spans of LLM calls carry a gen_ai.* model or provider attribute; the rest of a trace does not."""
    return any(key in span.attributes for key in MARKERS)


def event_id(span: Span) -> str:
    """Deterministic per span, so an exporter's retry is a duplicate rather than a second call."""
    return str(uuid.uuid5(SPAN_IDS, f"{span.trace_id}:{span.span_id}"))


def to_event(span: Span) -> dict[str, Any]:
    """The inference event this span describes: model, provider, messages, usage, latency, status, ids."""
    a = span.attributes
    messages, output = _conversation(span)
    usage = {
        "input_tokens": a.get("gen_ai.usage.input_tokens", a.get("gen_ai.usage.prompt_tokens")),
        "output_tokens": a.get("gen_ai.usage.output_tokens", a.get("gen_ai.usage.completion_tokens")),
    }
    error = _error(span)
    event: dict[str, Any] = {
        "event_id": event_id(span),
        "ts": (EPOCH + timedelta(microseconds=span.start_ns // 1000)).isoformat(),
        "trace_id": span.trace_id or None,
        "span_id": span.span_id or None,
        "parent_span_id": span.parent_span_id or None,
        "app": span.resource.get("service.name"),
        "environment": span.resource.get("deployment.environment.name", span.resource.get("deployment.environment")),
        "route": a.get("telltale.route"),
        "prompt_version": a.get("telltale.prompt_version"),
        "model": a.get("gen_ai.response.model") or a.get("gen_ai.request.model") or "unknown",
        "provider": a.get("gen_ai.provider.name", a.get("gen_ai.system")),
        "input": messages,
        "output": output,
        "usage": {k: v for k, v in usage.items() if v is not None} or None,
        "latency_ms": max(0, span.end_ns - span.start_ns) / 1e6 if span.end_ns else None,
        "status": "error" if error is not None else "ok",
        "error": error,
        "user_id": a.get("enduser.id", a.get("user.id")),
        "session_id": a.get("session.id", a.get("gen_ai.conversation.id")),
        "attributes": {"otel.span_name": span.name, "gen_ai.operation.name": a.get("gen_ai.operation.name")},
    }
    return {key: value for key, value in event.items() if value is not None}


def _conversation(span: Span) -> tuple[list[dict[str, Any]], str | None]:
    """Messages and answer, from whichever convention the instrumentation used (newest first)."""
    a = span.attributes
    if "gen_ai.input.messages" in a or "gen_ai.output.messages" in a:
        system = _parts_messages(a.get("gen_ai.system_instructions"), default_role="system")
        messages = system + _parts_messages(a.get("gen_ai.input.messages"))
        answers = _parts_messages(a.get("gen_ai.output.messages"))
        return messages, "\n".join(m["content"] for m in answers) or None
    if any(key.startswith("gen_ai.prompt.") for key in a):
        return _indexed(a, "gen_ai.prompt"), "\n".join(m["content"] for m in _indexed(a, "gen_ai.completion")) or None
    messages, answers = [], []
    for name, attributes in span.events:
        if name in ("gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message"):
            role = name.split(".")[1]
            messages.append({"role": role, "content": _text(attributes.get("content", ""))})
        elif name == "gen_ai.choice":
            answers.append(_text(attributes.get("message", attributes.get("content", ""))))
        elif name == "gen_ai.content.prompt":
            messages.extend(_parts_messages(attributes.get("gen_ai.prompt"), default_role="user"))
        elif name == "gen_ai.content.completion":
            answers.extend(m["content"] for m in _parts_messages(attributes.get("gen_ai.completion")))
    return messages, "\n".join(answers) or None


def _parts_messages(value: Any, default_role: str = "user") -> list[dict[str, Any]]:
    """Messages given as JSON (a string attribute) or as a list: {role, content | parts: [{type, content}]}."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return [{"role": default_role, "content": value}]
    if isinstance(value, dict):
        value = [value]
    messages = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            messages.append({"role": str(item.get("role") or default_role), "content": _text(item)})
        else:
            messages.append({"role": default_role, "content": str(item)})
    return messages


def _indexed(attributes: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """OpenLLMetry's flattened form: gen_ai.prompt.0.role, gen_ai.prompt.0.content, ..."""
    found: dict[int, dict[str, Any]] = {}
    for key, value in attributes.items():
        parts = key.split(".")
        if key.startswith(prefix + ".") and len(parts) == 4 and parts[2].isdigit():
            found.setdefault(int(parts[2]), {})[parts[3]] = value
    return [
        {"role": str(fields.get("role") or "user"), "content": _text(fields.get("content", ""))}
        for _, fields in sorted(found.items())
    ]


def _text(value: Any) -> str:
    """Readable text of a message, its content, or its parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "parts" in value:
            return "\n".join(_text(part) for part in value["parts"] if isinstance(part, dict))
        for key in ("content", "text"):
            if key in value:
                return _text(value[key])
        return ""
    if isinstance(value, list):
        return "\n".join(_text(item) for item in value)
    return "" if value is None else str(value)


def _error(span: Span) -> str | None:
    """The span's error: its status message, else the recorded exception, else the error type."""
    if span.status_code != STATUS_ERROR:
        return None
    for name, attributes in span.events:
        if name == "exception":
            kind, message = attributes.get("exception.type", ""), attributes.get("exception.message", "")
            return f"{kind}: {message}".strip(": ") or "error"
    return span.status_message or span.attributes.get("error.type") or "error"
