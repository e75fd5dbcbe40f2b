"""Mask PII in every text field of an item with the safety.pii evaluator's detector, before it is stored."""

from __future__ import annotations

from typing import Any

import orjson

from telltale_server.streams.evaluators.pii import redact, redact_value

TEXT_FIELDS = ("input_text", "output", "ground_truth", "label", "note")
JSON_FIELDS = ("input_messages", "contexts", "feedback", "evaluations")


def redact_text(text: str | None) -> str | None:
    """`[EMAIL]`-style tags in place of each finding; None stays None."""
    return None if text is None else redact(text)


def redact_item(item: dict[str, Any]) -> dict[str, Any]:
    """The item with its texts masked, JSON fields included (messages, passages, feedback, evaluation details)."""
    masked = dict(item)
    for name in TEXT_FIELDS:
        masked[name] = redact_text(item[name])
    for name in JSON_FIELDS:
        if item[name]:
            masked[name] = orjson.dumps(redact_value(orjson.loads(item[name]))).decode()
    return masked
