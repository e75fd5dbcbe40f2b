"""Writes the pipeline's rows to ClickHouse; every table deduplicates on its key, so a retry is harmless."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schemas.rows import to_json_rows
from schemas.store import Store
from streams import deadletter


class Sink:
    """One small method per table, so both runners and the ingest write rows the same way."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def inference(self, rows: Sequence[dict[str, Any]]) -> None:
        self.store.insert_json("inference_events", to_json_rows(list(rows)))

    def feedback(self, rows: Sequence[dict[str, Any]]) -> None:
        self.store.insert_json("feedback_events", to_json_rows(list(rows)))

    def evaluations(self, rows: Sequence[dict[str, Any]]) -> None:
        self.store.insert_json("evaluations", to_json_rows(list(rows)))

    def dead_letters(self, letters: Sequence[deadletter.DeadLetter]) -> None:
        """Dead letters go in through the native format: their raw bytes need not be valid UTF-8."""
        if letters:
            self.store.client().insert(
                "dead_letters", [letter.row() for letter in letters], column_names=deadletter.COLUMNS
            )
