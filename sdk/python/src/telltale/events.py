"""The v1 event payloads: built cheaply on the caller's thread, completed on the sender's."""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Literal

SCHEMA_VERSION = 1
Kind = Literal["inference", "feedback"]

_USAGE_ALIASES = {"prompt_tokens": "input_tokens", "completion_tokens": "output_tokens"}
_USAGE_KEYS = frozenset({"input_tokens", "output_tokens", "total_tokens", "cost"})
_VERSION_MASK = ~((0xF << 76) | (0x3 << 62))
_VERSION_BITS = (0x4 << 76) | (0x2 << 62)
_rng = random.Random(os.urandom(32))


def _reseed() -> None:
    """A forked child must not draw the same ids as its parent."""
    _rng.seed(os.urandom(32))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)


def new_event_id() -> str:
    """A random (version 4) UUID, ~3x cheaper than str(uuid.uuid4()), from a private, fork-reseeded generator."""
    h = "%032x" % (_rng.getrandbits(128) & _VERSION_MASK | _VERSION_BITS)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_second: tuple[int, str] = (0, "1970-01-01T00:00:00")


def iso_utc(ts: float | datetime | str) -> str:
    """The contract's timestamp: UTC ISO 8601 with milliseconds and a Z, as JavaScript's toISOString writes it."""
    global _second
    if isinstance(ts, str):
        return ts
    if isinstance(ts, datetime):
        moment = ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    millis = int(ts * 1000)
    second, prefix = _second
    if millis // 1000 != second:  # events of one batch mostly share their second: format it once
        second = millis // 1000
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second = (second, prefix)
    return f"{prefix}.{millis % 1000:03d}Z"


_INFERENCE_FIELDS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "app",
    "route",
    "environment",
    "model",
    "provider",
    "prompt_version",
    "input",
    "output",
    "contexts",
    "usage",
    "latency_ms",
    "status",
    "error",
    "user_id",
    "session_id",
    "tags",
    "attributes",
)
"""An inference event's fields after its id and time, in the contract's order."""
_FEEDBACK_FIELDS = (
    "inference_id",
    "trace_id",
    "ts",
    "kind",
    "value",
    "correction",
    "comment",
    "source",
    "user_id",
    "tags",
    "attributes",
)
_ABSENT_WHEN_EMPTY = frozenset({"contexts", "usage", "tags", "attributes"})


def _given(arguments: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields a caller gave, in order: None is not given, nor is an empty list or mapping of the collections."""
    return {
        name: value
        for name in fields
        if (value := arguments[name]) is not None and (value or name not in _ABSENT_WHEN_EMPTY)
    }


def inference(
    model: str,
    input: str | list[Any],
    output: str | None = None,
    *,
    event_id: str | None = None,
    ts: float | datetime | str | None = None,
    contexts: list[Any] | None = None,
    usage: Mapping[str, Any] | None = None,
    latency_ms: float | None = None,
    status: Literal["ok", "error"] = "ok",
    error: str | None = None,
    app: str | None = None,
    route: str | None = None,
    environment: str | None = None,
    provider: str | None = None,
    prompt_version: str | None = None,
    user_id: str | None = None,
    session_id: str | None = None,
    trace_id: str | None = None,
    span_id: str | None = None,
    parent_span_id: str | None = None,
    tags: list[str] | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An InferenceEvent with only the fields that were given; `ts` stays raw until `complete`."""
    event: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "event_id": event_id or new_event_id(),
        "ts": time.time() if ts is None else ts,
    }
    event.update(_given(locals(), _INFERENCE_FIELDS))
    return event


def feedback(
    inference_id: str | None,
    kind: Literal["thumbs", "rating", "correction", "comment", "flag"],
    value: bool | float | str | None = None,
    *,
    event_id: str | None = None,
    ts: float | datetime | str | None = None,
    trace_id: str | None = None,
    correction: str | None = None,
    comment: str | None = None,
    source: Literal["user", "annotator", "system"] | None = None,
    user_id: str | None = None,
    tags: list[str] | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A FeedbackEvent with only the fields that were given; `ts` stays raw until `complete`."""
    event: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "event_id": event_id or new_event_id(),
    }
    given = {
        **locals(),
        "inference_id": None if inference_id is None else str(inference_id),
        "ts": time.time() if ts is None else ts,
    }
    event.update(_given(given, _FEEDBACK_FIELDS))
    return event


def complete(event: dict[str, Any]) -> dict[str, Any]:
    """Finish an event off the hot path: format `ts`; the contract's usage names only (OpenAI's usage objects carry
    `*_tokens_details` the contract refuses); a string context is its text."""
    event["ts"] = iso_utc(event["ts"])
    contexts = event.get("contexts")
    if contexts is not None:
        event["contexts"] = [{"text": context} if isinstance(context, str) else context for context in contexts]
    usage = event.get("usage")
    if usage is not None:
        renamed = {_USAGE_ALIASES.get(key, key): value for key, value in usage.items() if value is not None}
        event["usage"] = {key: value for key, value in renamed.items() if key in _USAGE_KEYS}
    return event


def _jsonable(value: Any) -> Any:
    """Encode what apps commonly put in events: pydantic models (OpenAI types), dataclasses, datetimes, sets."""
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True)
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    return str(value)


_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_jsonable)


def encode(event: Mapping[str, Any]) -> bytes:
    """One event as compact UTF-8 JSON; NaN and infinities raise, since the server would refuse the whole batch."""
    return _encoder.encode(event).encode()
