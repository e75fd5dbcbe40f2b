"""One inference event with its feedback and evaluations: what the on-call engineer opens first."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from pydantic import BaseModel

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import FeedbackEvent, InferenceEvent
from telltale_server.schemas.rows import feedback_event, inference_event
from telltale_server.schemas.store import Store


class StoredEvaluation(Evaluation):
    created_at: datetime


class StoredFeedback(BaseModel):
    feedback: FeedbackEvent
    negative: bool
    score: float | None


class EventDetail(BaseModel):
    event: InferenceEvent
    received_at: datetime
    feedback: list[StoredFeedback]
    evaluations: list[StoredEvaluation]


def event_detail(store: Store, project_id: str, event_id: UUID) -> EventDetail | None:
    """The event as stored (deduplicated), or None if this project has no such event."""
    params: dict[str, Any] = {"p": project_id, "id": str(event_id)}
    rows = store.rows(
        "SELECT * FROM inference_events FINAL WHERE project_id = {p:String} AND event_id = {id:UUID} LIMIT 1", params
    )
    if not rows:
        return None
    row = rows[0]
    params["trace"] = row["trace_id"]
    feedback_rows = store.rows(
        "SELECT * FROM feedback_events FINAL WHERE project_id = {p:String} "
        "AND (inference_id = {id:UUID} OR (inference_id IS NULL AND trace_id != '' AND trace_id = {trace:String})) "
        "ORDER BY ts",
        params,
    )
    evaluation_rows = store.rows(
        "SELECT * FROM evaluations FINAL WHERE project_id = {p:String} AND event_id = {id:UUID} "
        "ORDER BY evaluator, evaluator_version, metric",
        params,
    )
    return EventDetail(
        event=inference_event(row),
        received_at=row["received_at"],
        feedback=[
            StoredFeedback(feedback=feedback_event(f), negative=bool(f["negative"]), score=f["score"])
            for f in feedback_rows
        ],
        evaluations=[
            StoredEvaluation(
                event_id=e["event_id"],
                evaluator=e["evaluator"],
                evaluator_version=e["evaluator_version"],
                metric=e["metric"],
                value=e["value"],
                label=e["label"] or None,
                details=orjson.loads(e["details"]),
                created_at=e["created_at"],
            )
            for e in evaluation_rows
        ],
    )
