"""A dataset's draft (version 0): continuous curation appends to it, reviewers add events and annotations."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from telltale_server.schemas.row_versions import next_version
from telltale_server.schemas.store import Store
from telltale_server.services.datasets.assemble import write_items
from telltale_server.services.datasets.redaction import redact_text
from telltale_server.services.datasets.selection import Draft, by_ids, select
from telltale_server.services.datasets.spec import Dataset

_locks: dict[tuple[str, str], threading.Lock] = {}
_locks_guard = threading.Lock()


@contextmanager
def draft_lock(project_id: str, dataset_id: str) -> Iterator[None]:
    """One writer per dataset in this process: positions and version numbers are handed out under it."""
    with _locks_guard:
        lock = _locks.setdefault((project_id, dataset_id), threading.Lock())
    with lock:
        yield


class Annotation(BaseModel):
    """A reviewer's verdict on an item; it is copied into the next frozen version."""

    label: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=10_000)
    corrected_answer: str | None = Field(default=None, max_length=200_000, description="Becomes the ground truth.")


def draft_size(store: Store, project_id: str, dataset_id: str) -> tuple[int, int]:
    """(items in the draft, the next free position)."""
    row = store.rows(
        "SELECT count() AS n, max(position) + 1 AS next FROM dataset_items FINAL WHERE project_id = {p:String} "
        "AND dataset_id = {d:String} AND version = 0",
        {"p": project_id, "d": dataset_id},
    )[0]
    return int(row["n"]), int(row["next"]) if row["n"] else 0


def refresh(store: Store, dataset: Dataset, now: datetime | None = None) -> int:
    """Append the matching events the draft lacks (late feedback and evaluations count); returns how many."""
    count, offset = draft_size(store, dataset.project_id, dataset.id)
    query = dataset.query.resolved(now or datetime.now(UTC))
    selection = select(store, dataset.project_id, dataset, query, offset, Draft(dataset.id, count))
    write_items(store, selection, dataset.id, 0, dataset.redact_pii)
    return selection.count


def append(store: Store, dataset: Dataset, now: datetime | None = None) -> int:
    """`refresh` under the dataset's lock: what the curation job and the API call."""
    with draft_lock(dataset.project_id, dataset.id):
        return refresh(store, dataset, now)


def add_events(store: Store, dataset: Dataset, event_ids: list[str]) -> int:
    """Add these events of the project to the draft (known ones and other projects' are skipped)."""
    with draft_lock(dataset.project_id, dataset.id):
        _, offset = draft_size(store, dataset.project_id, dataset.id)
        selection = by_ids(store, dataset.project_id, event_ids, offset, dataset.id)
        write_items(store, selection, dataset.id, 0, dataset.redact_pii)
        return selection.count


def annotate(store: Store, dataset: Dataset, event_id: str, annotation: Annotation, by: str) -> Annotation:
    """Store the annotation of one event (redacted if the dataset redacts); later annotations replace it."""
    if dataset.redact_pii:
        annotation = Annotation(
            label=redact_text(annotation.label) or "",
            note=redact_text(annotation.note) or "",
            corrected_answer=redact_text(annotation.corrected_answer),
        )
    row: list[Any] = [
        dataset.project_id,
        dataset.id,
        event_id,
        annotation.label,
        annotation.note,
        annotation.corrected_answer,
        by,
        datetime.now(UTC),
        next_version(),
    ]
    store.client().insert(
        "dataset_annotations",
        [row],
        column_names=[
            "project_id",
            "dataset_id",
            "event_id",
            "label",
            "note",
            "corrected_answer",
            "annotated_by",
            "annotated_at",
            "version",
        ],
    )
    return annotation
