"""Factories for valid events, overridden field by field in each test."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson

from telltale_server.schemas.events import InferenceEvent


def inference(**fields: Any) -> dict[str, Any]:
    """A minimal valid inference event, with overrides."""
    return {
        "event_id": str(uuid.uuid4()),
        "ts": datetime.now(UTC).isoformat(),
        "model": "gpt-4o-mini",
        "input": "What is the refund window?",
        "output": "Refunds are available within 30 days.",
        **fields,
    }


def feedback(inference_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """A minimal valid feedback event on an inference, with overrides."""
    return {
        "event_id": str(uuid.uuid4()),
        "inference_id": inference_id or str(uuid.uuid4()),
        "ts": datetime.now(UTC).isoformat(),
        "kind": "thumbs",
        "value": "up",
        **fields,
    }


def with_raw(event: dict, **values: bytes) -> bytes:
    """The event's JSON with fields written as raw JSON text (numbers and nesting no Python encoder emits)."""
    text = orjson.dumps({k: v for k, v in event.items() if k not in values})[:-1]
    return text + b"".join(b',"%s":%s' % (key.encode(), value) for key, value in values.items()) + b"}"


def nested_list(depth: int) -> bytes:
    """A JSON list `depth` deep around one string."""
    return b"[" * depth + b'"leaf"' + b"]" * depth


def nested_object(depth: int) -> bytes:
    """A JSON object `depth` deep around one number."""
    return b'{"a":' * depth + b"1" + b"}" * depth


def inference_event(**fields: Any) -> InferenceEvent:
    """`inference(...)` validated as the contract, for the evaluators, which take InferenceEvent."""
    return InferenceEvent.model_validate(inference(**fields))


REFUND_PASSAGE = (
    "Refunds are available within 30 days of the first payment on any plan. Refunds are issued to the original "
    "payment method and take 5 to 10 business days to appear. Usage-based charges are not refundable."
)
"""A help-centre passage the evaluator tests answer from (grounded or not) or poison."""
