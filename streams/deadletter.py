"""Dead letters: input that could be read but not accepted, kept with its reason and its original bytes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from schemas import limits


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

    def row(self) -> list[Any]:
        """The dead_letters row, in COLUMNS order; raw bytes are kept as they came, up to the body limit."""
        raw = self.raw[: limits.MAX_BODY_BYTES]
        return [
            self.project_id,
            uuid.uuid4(),
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
