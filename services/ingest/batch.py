"""Splits a request body into items: a JSON array (or one object), or NDJSON lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from telltale_server.schemas import limits
from telltale_server.schemas.nesting import encode
from telltale_server.services.ingest.errors import IngestError

NDJSON_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/jsonlines",
    }
)
JSON_TYPES = frozenset({"application/json", "text/plain", "", "*/*"})


@dataclass(frozen=True)
class RawItem:
    """One item as it came: its bytes, the parsed value, or why it could not be parsed.

    `raw` is None for an element of a JSON array small enough that no element can break the event size
    limit: re-encoding every element only to keep bytes that valid items never need costs ingest time.
    """

    index: int
    raw: bytes | None
    value: Any = None
    error: str | None = None

    def original(self) -> bytes:
        """The item's bytes: as sent, or the array element re-encoded."""
        return self.raw if self.raw is not None else encode(self.value)


def split(body: bytes, content_type: str | None, max_items: int) -> list[RawItem]:
    """The body's items; a body that cannot be split at all is refused as a whole."""
    media = (content_type or "").split(";")[0].strip().lower()
    if not body.strip():
        raise IngestError(400, "empty body: send a JSON array of events or NDJSON, one event per line")
    if media in NDJSON_TYPES:
        items = _ndjson(body)
    elif media in JSON_TYPES:
        items = _json(body)
    else:
        raise IngestError(415, f"unsupported Content-Type {media!r}: use application/json or application/x-ndjson")
    if not items:
        raise IngestError(400, "empty batch: send at least one event")
    if len(items) > max_items:
        raise IngestError(413, f"batch has {len(items)} events; the limit is {max_items}: split it", keep_body=True)
    return items


def _json(body: bytes) -> list[RawItem]:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise IngestError(400, f"body is not valid UTF-8 (byte {error.start})", keep_body=True) from None
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise IngestError(400, f"malformed JSON: {error}", keep_body=True) from None
    if isinstance(value, dict):
        return [RawItem(0, body, value)]
    if not isinstance(value, list):
        raise IngestError(400, "expected a JSON array of event objects (or one event object)", keep_body=True)
    if len(body) <= limits.MAX_EVENT_BYTES:
        return [RawItem(index, None, item) for index, item in enumerate(value)]
    return [RawItem(index, orjson.dumps(item), item) for index, item in enumerate(value)]


def _ndjson(body: bytes) -> list[RawItem]:
    """Each non-blank line is an item; a bad line is that item's error, not the batch's."""
    items: list[RawItem] = []
    for line in body.split(b"\n"):
        line = line.rstrip(b"\r")
        if not line.strip():
            continue
        index = len(items)
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as error:
            items.append(RawItem(index, line, error=f"line is not valid UTF-8 (byte {error.start})"))
            continue
        try:
            items.append(RawItem(index, line, orjson.loads(line)))
        except orjson.JSONDecodeError as error:
            items.append(RawItem(index, line, error=f"malformed JSON: {error}"))
    return items
