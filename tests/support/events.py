"""Factories for valid events, overridden field by field in each test."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


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
