"""Step 3: gather outcomes until a batch is big or old enough, remembering how far each partition got."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from telltale_server.streams.deadletter import DeadLetter
from telltale_server.streams.runners.store.decode import Decoded, Filed, Poison, Record
from telltale_server.streams.runners.store.validate import Rows


@dataclass
class Batch:
    """Rows per table, dead letters to file and poison to publish, plus the next offset of each partition.

    `offsets` only ever names records whose outcome is in this batch, so committing them after the
    batch is written never skips a record that was not stored.
    """

    max_records: int = 5000
    max_age_s: float = 0.5
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    filed: list[DeadLetter] = field(default_factory=list)
    poison: list[DeadLetter] = field(default_factory=list)
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    records: int = 0
    started: float | None = None

    def add(self, record: Record, outcome: Rows | Decoded) -> None:
        """Take one record's outcome (records of a partition arrive in offset order)."""
        if isinstance(outcome, Rows):
            self.rows[outcome.table].extend(outcome.rows)
        elif isinstance(outcome, Filed):
            self.filed.append(outcome.letter)
        elif isinstance(outcome, Poison):
            self.poison.append(outcome.letter)
        else:
            raise TypeError(f"the store has no step for {type(outcome).__name__}")
        self.offsets[(record.topic, record.partition)] = record.offset + 1
        self.records += 1
        if self.started is None:
            self.started = time.monotonic()

    def full(self) -> bool:
        return self.records >= self.max_records

    def due(self) -> bool:
        """Big enough, or holding records older than `max_age_s`."""
        return self.full() or (self.started is not None and time.monotonic() - self.started >= self.max_age_s)

    def time_left(self) -> float:
        """Seconds until the batch is due by age (the whole age limit while it is empty)."""
        if self.started is None:
            return self.max_age_s
        return max(0.0, self.max_age_s - (time.monotonic() - self.started))
