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
    if trace_id is not None:
        event["trace_id"] = trace_id
    if span_id is not None:
        event["span_id"] = span_id
    if parent_span_id is not None:
        event["parent_span_id"] = parent_span_id
    if app is not None:
        event["app"] = app
    if route is not None:
        event["route"] = route
    if environment is not None:
        event["environment"] = environment
    event["model"] = model
    if provider is not None:
        event["provider"] = provider
    if prompt_version is not None:
        event["prompt_version"] = prompt_version
    event["input"] = input
    if output is not None:
        event["output"] = output
    if contexts:
        event["contexts"] = contexts
    if usage:
        event["usage"] = usage
    if latency_ms is not None:
        event["latency_ms"] = latency_ms
    event["status"] = status
    if error is not None:
        event["error"] = error
    if user_id is not None:
        event["user_id"] = user_id
    if session_id is not None:
        event["session_id"] = session_id
    if tags:
        event["tags"] = tags
    if attributes:
        event["attributes"] = attributes
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
    if inference_id is not None:
        event["inference_id"] = str(inference_id)
    if trace_id is not None:
        event["trace_id"] = trace_id
    event["ts"] = time.time() if ts is None else ts
    event["kind"] = kind
    if value is not None:
        event["value"] = value
    if correction is not None:
        event["correction"] = correction
    if comment is not None:
        event["comment"] = comment
    if source is not None:
        event["source"] = source
    if user_id is not None:
        event["user_id"] = user_id
    if tags:
        event["tags"] = tags
    if attributes:
        event["attributes"] = attributes
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
