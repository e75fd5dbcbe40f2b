"""Replay: re-run the current evaluators over stored raw events; new versions' rows land beside the old ones."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from telltale_server.schemas.rows import inference_event
from telltale_server.schemas.store import Store
from telltale_server.streams.pipeline import Pipeline, ProjectEvent
from telltale_server.streams.sink import Sink

Progress = Callable[[int, int], None]
"""Told (done, total) after every batch."""

_PAGE = (
    "SELECT * FROM inference_events FINAL WHERE ts >= {start:DateTime64(3, 'UTC')} "
    "AND (ts, project_id, event_id) > ({ts:DateTime64(3, 'UTC')}, {p:String}, {id:UUID}) "
    "ORDER BY ts, project_id, event_id LIMIT {limit:UInt32}"
)


class Replay:
    """Pages through inference_events in (ts, project, id) order, so a batch never splits or repeats an event."""

    def __init__(self, store: Store, pipeline: Pipeline, sink: Sink, batch_size: int = 2000) -> None:
        self.store = store
        self.pipeline = pipeline
        self.sink = sink
        self.batch_size = batch_size
        self.unreadable = 0

    def total(self, start: datetime) -> int:
        """How many stored events the replay will visit."""
        rows = self.store.rows(
            "SELECT count() AS n FROM inference_events FINAL WHERE ts >= {start:DateTime64(3, 'UTC')}", {"start": start}
        )
        return rows[0]["n"]

    def run(self, start: datetime, progress: Progress | None = None) -> int:
        """Evaluate every event from `start` on; returns how many evaluation rows were written."""
        total = self.total(start)
        cursor: dict[str, Any] = {"ts": start, "p": "", "id": uuid.UUID(int=0)}
        done = written = 0
        while rows := self.store.rows(_PAGE, {"start": start, "limit": self.batch_size, **cursor}):
            batch = []
            for row in rows:
                try:
                    batch.append(ProjectEvent(row["project_id"], inference_event(row)))
                except ValidationError:
                    self.unreadable += 1
            evaluations = self.pipeline.evaluate(batch)
            self.sink.evaluations(evaluations)
            written += len(evaluations)
            done += len(rows)
            last = rows[-1]
            cursor = {"ts": last["ts"], "p": last["project_id"], "id": last["event_id"]}
            if progress is not None:
                progress(done, max(total, done))
        return written
