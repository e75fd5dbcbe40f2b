"""Mapping between the event contracts and the rows of their ClickHouse tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import FeedbackEvent, InferenceEvent

R = TypeVar("R")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _time(value: datetime) -> str:
    """Exact epoch seconds with microseconds, which ClickHouse reads into DateTime64 (and strftime is slow).

    The seconds are padded to ten digits: ClickHouse reads a shorter number as a date (YYYYMMDD and the like).
    """
    delta = value - EPOCH
    return f"{delta.days * 86400 + delta.seconds:010d}.{delta.microseconds:06d}"


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def inference_row(project_id: str, event: InferenceEvent, received_at: datetime) -> dict[str, Any]:
    """One inference_events row; the input keeps its messages as JSON beside their plain text."""
    usage = event.usage
    nested = event.model_dump(mode="json", include={"input", "contexts"}, exclude_none=True)
    return {
        "project_id": project_id,
        "event_id": str(event.event_id),
        "ts": _time(event.ts),
        "received_at": _time(received_at),
        "schema_version": event.schema_version,
        "trace_id": event.trace_id or "",
        "span_id": event.span_id or "",
        "parent_span_id": event.parent_span_id or "",
        "app": event.app or "",
        "route": event.route or "",
        "environment": event.environment or "",
        "model": event.model,
        "provider": event.provider or "",
        "prompt_version": event.prompt_version or "",
        "input_text": event.input_text(),
        "input_messages": "" if isinstance(event.input, str) else _json(nested["input"]),
        "output": event.output,
        "contexts": _json(nested["contexts"]),
        "context_count": len(event.contexts),
        "input_tokens": usage.input_tokens if usage else None,
        "output_tokens": usage.output_tokens if usage else None,
        "total_tokens": usage.total_tokens if usage else None,
        "cost": usage.cost if usage else None,
        "latency_ms": event.latency_ms,
        "status": event.status,
        "error": event.error,
        "user_id": event.user_id or "",
        "session_id": event.session_id or "",
        "tags": list(event.tags),
        "attributes": _json(event.attributes),
    }


def inference_event(row: dict[str, Any]) -> InferenceEvent:
    """Rebuild the event from its stored row (the inverse of `inference_row`)."""
    usage = {key: row[key] for key in ("input_tokens", "output_tokens", "total_tokens", "cost") if row[key] is not None}
    return InferenceEvent.model_validate(
        {
            **{key: row[key] or None for key in _OPTIONAL_LABELS},
            "schema_version": row["schema_version"],
            "event_id": row["event_id"],
            "ts": row["ts"],
            "model": row["model"],
            "input": orjson.loads(row["input_messages"]) if row["input_messages"] else row["input_text"],
            "output": row["output"],
            "contexts": orjson.loads(row["contexts"]),
            "usage": usage or None,
            "latency_ms": row["latency_ms"],
            "status": row["status"],
            "error": row["error"],
            "tags": list(row["tags"]),
            "attributes": orjson.loads(row["attributes"]),
        }
    )


_OPTIONAL_LABELS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "app",
    "route",
    "environment",
    "provider",
    "prompt_version",
    "user_id",
    "session_id",
)


def feedback_row(project_id: str, event: FeedbackEvent, received_at: datetime) -> dict[str, Any]:
    """One feedback_events row, with the normalised score and negative flag stored beside the raw value."""
    return {
        "project_id": project_id,
        "event_id": str(event.event_id),
        "inference_id": str(event.inference_id) if event.inference_id else None,
        "trace_id": event.trace_id or "",
        "ts": _time(event.ts),
        "received_at": _time(received_at),
        "schema_version": event.schema_version,
        "kind": event.kind,
        "value": _json(event.value),
        "score": event.score(),
        "negative": int(event.is_negative()),
        "correction": event.correction,
        "comment": event.comment,
        "source": event.source,
        "user_id": event.user_id or "",
        "tags": list(event.tags),
        "attributes": _json(event.attributes),
    }


def evaluation_row(project_id: str, event: InferenceEvent, evaluation: Evaluation, now: datetime) -> dict[str, Any]:
    """One evaluations row, carrying the event's time and dimensions so metrics need no join."""
    return {
        "project_id": project_id,
        "event_id": str(evaluation.event_id),
        "ts": _time(event.ts),
        "evaluator": evaluation.evaluator,
        "evaluator_version": evaluation.evaluator_version,
        "metric": evaluation.metric,
        "value": evaluation.value,
        "label": evaluation.label or "",
        "details": _json(evaluation.details),
        "model": event.model,
        "route": event.route or "",
        "prompt_version": event.prompt_version or "",
        "environment": event.environment or "",
        "created_at": _time(now),
    }


def to_json_rows(rows: list[dict[str, Any]]) -> bytes:
    """Rows as JSONEachRow input, in its array form: one encoder call for the whole batch."""
    return orjson.dumps(rows)


def feedback_event(row: dict[str, Any]) -> FeedbackEvent:
    """Rebuild a feedback event from its stored row (the inverse of `feedback_row`)."""
    return FeedbackEvent.model_validate(
        {
            "schema_version": row["schema_version"],
            "event_id": row["event_id"],
            "inference_id": row["inference_id"],
            "trace_id": row["trace_id"] or None,
            "ts": row["ts"],
            "kind": row["kind"],
            "value": orjson.loads(row["value"]),
            "correction": row["correction"],
            "comment": row["comment"],
            "source": row["source"],
            "user_id": row["user_id"] or None,
            "tags": list(row["tags"]),
            "attributes": orjson.loads(row["attributes"]),
        }
    )


def record(
    kind: type[R], row: Mapping[str, Any], json_columns: Collection[str] = (), renamed: Mapping[str, str] | None = None
) -> R:
    """A stored row as a dataclass or pydantic model: `renamed` columns take their field's name, JSON columns are
    parsed, and columns the class has no field for (versions, tombstones) are left out."""
    names = renamed or {}
    fields = _field_names(kind)
    values = {}
    for column, value in row.items():
        field = names.get(column, column)
        if field in fields:
            values[field] = orjson.loads(value) if column in json_columns else value
    return kind(**values)


_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _field_names(kind: type) -> frozenset[str]:
    """A dataclass's or pydantic model's field names, read once per class (records are made per stored row)."""
    if kind not in _FIELD_NAMES:
        if dataclasses.is_dataclass(kind):
            _FIELD_NAMES[kind] = frozenset(field.name for field in dataclasses.fields(kind))
        else:
            _FIELD_NAMES[kind] = frozenset(kind.model_fields)  # type: ignore[attr-defined]  # not a dataclass: pydantic
    return _FIELD_NAMES[kind]
