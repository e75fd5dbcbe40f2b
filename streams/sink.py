"""Writes the pipeline's rows to ClickHouse; every table deduplicates on its key, so a retry is harmless."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telltale_server.schemas.rows import to_json_rows
from telltale_server.schemas.store import Store
from telltale_server.streams import deadletter, telemetry


class Sink:
    """One small method per table, so both runners and the ingest write rows the same way."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def inference(self, rows: Sequence[dict[str, Any]]) -> None:
        self._insert_json("inference_events", rows)

    def feedback(self, rows: Sequence[dict[str, Any]]) -> None:
        self._insert_json("feedback_events", rows)

    def evaluations(self, rows: Sequence[dict[str, Any]]) -> None:
        self._insert_json("evaluations", rows)

    def encoded_evaluations(self, rows: bytes) -> None:
        """Evaluation rows the evaluator processes already encoded as a JSONEachRow array."""
        self._insert_encoded("evaluations", rows)

    def dead_letters(self, letters: Sequence[deadletter.DeadLetter]) -> None:
        """Dead letters go in through the native format: their raw bytes need not be valid UTF-8."""
        if letters:
            with telemetry.store_batch("dead_letters"):
                self.store.client().insert(
                    deadletter.TABLE, [letter.row() for letter in letters], column_names=deadletter.COLUMNS
                )

    def _insert_json(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """One timed insert of a non-empty batch."""
        if rows:
            self._insert_encoded(table, to_json_rows(list(rows)))

    def _insert_encoded(self, table: str, rows: bytes) -> None:
        """One timed insert of encoded rows; an empty array writes nothing."""
        if rows and rows != b"[]":
            with telemetry.store_batch(table):
                self.store.insert_json(table, rows)
