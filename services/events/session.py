"""One session: the conversation's calls by session_id in time order, each turn with its scores and feedback."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from telltale_server.schemas.rows import feedback_event
from telltale_server.schemas.store import Store
from telltale_server.services.events.detail import StoredFeedback
from telltale_server.services.events.search import question
from telltale_server.services.events.together import calls_with

MAX_TURNS = 500
TURN_CHARS = 4000


class Score(BaseModel):
    """An evaluation of a turn, without its details (the event's page has them)."""

    evaluator: str
    metric: str
    value: float | None
    label: str


class Turn(BaseModel):
    event_id: UUID
    ts: datetime
    trace_id: str
    model: str
    route: str
    status: str
    latency_ms: float | None
    question: str = Field(description=f"The last user turn (else the input text), its first {TURN_CHARS} characters.")
    output: str = Field(description=f"The answer's first {TURN_CHARS} characters.")
    scores: list[Score]
    feedback: list[StoredFeedback] = Field(
        description="Feedback naming the call, or its trace without naming a call (then on the trace's first call)."
    )


class Session(BaseModel):
    session_id: str
    user_ids: list[str] = Field(description="The app's user ids seen in the session.")
    turns: list[Turn]
    truncated: bool = Field(description=f"The session has more than {MAX_TURNS} calls; the first ones are shown.")


def session(store: Store, project_id: str, session_id: str) -> Session | None:
    """The project's calls of the session in time order with their scores and feedback, or None when it has none."""
    columns = (
        f"event_id, ts, trace_id, model, route, status, latency_ms, user_id, {question(TURN_CHARS)}, "
        f"substringUTF8(ifNull(output, ''), 1, {TURN_CHARS}) AS output"
    )
    rows, truncated = calls_with(store, project_id, "session_id", session_id, columns, MAX_TURNS)
    if not rows:
        return None
    ids = [str(row["event_id"]) for row in rows]
    params: dict[str, Any] = {"p": project_id, "ids": ids, "traces": [r["trace_id"] for r in rows if r["trace_id"]]}
    scores: dict[str, list[Score]] = {}
    for row in store.rows(
        "SELECT toString(event_id) AS id, evaluator, metric, value, label FROM evaluations FINAL "
        "WHERE project_id = {p:String} AND event_id IN {ids:Array(UUID)} ORDER BY evaluator, metric",
        params,
    ):
        value = None if row["value"] is None or math.isnan(row["value"]) else row["value"]
        score = Score(evaluator=row["evaluator"], metric=row["metric"], value=value, label=row["label"])
        scores.setdefault(row["id"], []).append(score)
    first_of_trace = {row["trace_id"]: str(row["event_id"]) for row in reversed(rows) if row["trace_id"]}
    feedback: dict[str, list[StoredFeedback]] = {}
    for row in store.rows(
        "SELECT * FROM feedback_events FINAL WHERE project_id = {p:String} AND (inference_id IN {ids:Array(UUID)} "
        "OR (inference_id IS NULL AND trace_id != '' AND trace_id IN {traces:Array(String)})) ORDER BY ts",
        params,
    ):
        on = str(row["inference_id"]) if row["inference_id"] else first_of_trace[row["trace_id"]]
        stored = StoredFeedback(feedback=feedback_event(row), negative=bool(row["negative"]), score=row["score"])
        feedback.setdefault(on, []).append(stored)
    turns = [
        Turn(
            **{name: row[name] for name in ("event_id", "ts", "trace_id", "model", "route", "status", "latency_ms")},
            question=row["question"],
            output=row["output"],
            scores=scores.get(str(row["event_id"]), []),
            feedback=feedback.get(str(row["event_id"]), []),
        )
        for row in rows
    ]
    users = sorted({row["user_id"] for row in rows if row["user_id"]})
    return Session(session_id=session_id, user_ids=users, turns=turns, truncated=truncated)
