"""Dead letters: input that could be read but not accepted, kept with its reason and its original bytes."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from telltale_server.schemas import limits

TABLE = "dead_letters_v2"
"""The dead letters' table (migration 0008): deduplicated on `dead_letter_id`."""
IDS = uuid.UUID("5d0c2a7e-8f14-4b39-9a6e-3c1f7d2b8e40")


@dataclass(frozen=True)
class FieldError:
    """Which field was wrong and why, in words a client developer can act on."""

    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class DeadLetter:
    """One refused item (or a whole unreadable body), with where it came from."""

    project_id: str
    source: str
    kind: str
    reason: str
    raw: bytes
    item_index: int = -1
    event_id: str = ""
    errors: tuple[FieldError, ...] = ()
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def dead_letter_id(self) -> uuid.UUID:
        """Deterministic: the same refusal of the same bytes from the same place, delivered again, is the same row."""
        where = "\n".join((self.project_id, self.source, self.kind, str(self.item_index), self.event_id, self.reason))
        return uuid.uuid5(IDS, f"{where}\n{hashlib.sha256(self.raw).hexdigest()}")

    def row(self) -> list[Any]:
        """The dead_letters row, in COLUMNS order; raw bytes are kept as they came, up to the body limit."""
        raw = self.raw[: limits.MAX_BODY_BYTES]
        return [
            self.project_id,
            self.dead_letter_id,
            self.received_at,
            self.source,
            self.kind,
            self.item_index,
            self.event_id,
            self.reason,
            orjson.dumps([error.as_dict() for error in self.errors]).decode(),
            raw,
            int(len(raw) < len(self.raw)),
        ]


COLUMNS = [
    "project_id",
    "dead_letter_id",
    "received_at",
    "source",
    "kind",
    "item_index",
    "event_id",
    "reason",
    "errors",
    "raw",
    "raw_truncated",
]


def to_record(letter: DeadLetter) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The dead-letter topic's record: the original bytes as the value, everything else in headers."""
    headers = {
        "project_id": letter.project_id,
        "source": letter.source,
        "kind": letter.kind,
        "reason": letter.reason,
        "item_index": str(letter.item_index),
        "event_id": letter.event_id,
        "errors": orjson.dumps([error.as_dict() for error in letter.errors]).decode(),
        "received_at": letter.received_at.isoformat(),
    }
    return letter.raw, [(name, value.encode()) for name, value in headers.items()]


def from_record(value: bytes | None, headers: Sequence[tuple[str, bytes]]) -> DeadLetter:
    """Rebuild a dead letter from its record; a header that cannot be read leaves its field empty."""
    found = {name: raw.decode(errors="replace") for name, raw in headers if raw is not None}
    try:
        errors = tuple(FieldError(e["field"], e["reason"]) for e in orjson.loads(found.get("errors", "[]")))
    except (orjson.JSONDecodeError, KeyError, TypeError):
        errors = ()
    try:
        received_at = datetime.fromisoformat(found["received_at"])
    except (KeyError, ValueError):
        received_at = datetime.now(UTC)
    index = found.get("item_index", "-1")
    return DeadLetter(
        project_id=found.get("project_id", ""),
        source=found.get("source", "kafka"),
        kind=found.get("kind", ""),
        reason=found.get("reason", "no reason given"),
        raw=value or b"",
        item_index=int(index) if index.lstrip("-").isdigit() else -1,
        event_id=found.get("event_id", ""),
        errors=errors,
        received_at=received_at if received_at.tzinfo else received_at.replace(tzinfo=UTC),
    )
