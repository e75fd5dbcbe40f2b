"""A spec's query as a WHERE clause over inference_events (deduplicated rows), with bound parameters only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telltale_server.services.datasets.spec import LABELS, EvaluatorFilter, FeedbackFilter, Query


@dataclass
class Clause:
    """SQL fragments and the parameters they bind; values never enter the SQL text."""

    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any, type_: str) -> str:
        """A fresh placeholder for `value`, e.g. `{v3:String}`."""
        name = f"v{len(self.params)}"
        self.params[name] = value
        return f"{{{name}:{type_}}}"


def where(project_id: str, query: Query, clause: Clause) -> str:
    """Conditions on inference_events: window and labels always hold; failure conditions per `query.match`."""
    p = clause.bind(project_id, "String")
    parts = [f"project_id = {p}"]
    start, end = _window(query)
    if start is not None:
        parts.append(f"ts >= {clause.bind(start, 'DateTime64(3)')}")
    if end is not None:
        parts.append(f"ts < {clause.bind(end, 'DateTime64(3)')}")
    for label in LABELS:
        if values := getattr(query, label):
            parts.append(f"{label} IN {clause.bind(values, 'Array(String)')}")
    if query.drift is not None:
        for column, value in query.drift.labels().items():
            parts.append(f"{column} = {clause.bind(value, 'String')}")
    if query.tags:
        parts.append(f"hasAll(tags, {clause.bind(query.tags, 'Array(String)')})")
    failures = _failures(p, query, clause, start, end)
    if failures:
        joiner = " AND " if query.match == "all" else " OR "
        parts.append("(" + joiner.join(failures) + ")")
    return " AND ".join(parts)


def _window(query: Query) -> tuple[datetime | None, datetime | None]:
    """The spec's range intersected with the drift window, if any."""
    start, end = query.start, query.end
    if query.drift is not None:
        start = max(start, query.drift.window_start) if start else query.drift.window_start
        end = min(end, query.drift.window_end) if end else query.drift.window_end
    return start, end


def _failures(p: str, query: Query, clause: Clause, start: datetime | None, end: datetime | None) -> list[str]:
    terms = []
    if query.status:
        terms.append(f"status IN {clause.bind(query.status, 'Array(String)')}")
    if query.feedback is not None:
        terms += [_feedback_term(p, condition) for condition in _feedback_conditions(query.feedback, clause)]
    evaluations_window = ""
    if start is not None:
        evaluations_window += f" AND ts >= {clause.bind(start, 'DateTime64(3)')}"
    if end is not None:
        evaluations_window += f" AND ts < {clause.bind(end, 'DateTime64(3)')}"
    for evaluator in query.evaluators:
        condition = _evaluation_condition(evaluator, clause)
        terms.append(
            f"event_id IN (SELECT event_id FROM evaluations FINAL WHERE project_id = {p}{evaluations_window} "
            f"AND {condition})"
        )
    return terms


def _feedback_conditions(feedback: FeedbackFilter, clause: Clause) -> list[str]:
    """One condition per requested kind of feedback; each must be met by some feedback row."""
    conditions = []
    if feedback.negative:
        conditions.append("negative = 1")
    if feedback.thumbs_down:
        conditions.append("kind = 'thumbs' AND negative = 1")
    if feedback.max_rating is not None:
        rating = clause.bind(feedback.max_rating, "Float64")
        conditions.append(f"kind = 'rating' AND toFloat64OrNull(value) <= {rating}")
    if feedback.has_correction:
        conditions.append("ifNull(correction, '') != ''")
    if feedback.has_comment:
        conditions.append("ifNull(comment, '') != ''")
    if feedback.flagged:
        conditions.append("kind = 'flag'")
    return conditions


def _feedback_term(p: str, condition: str) -> str:
    """The event has feedback meeting `condition`, given on it directly or on its trace."""
    return (
        f"(event_id IN (SELECT assumeNotNull(inference_id) FROM feedback_events FINAL WHERE project_id = {p} "
        f"AND inference_id IS NOT NULL AND {condition}) "
        f"OR (trace_id != '' AND trace_id IN (SELECT trace_id FROM feedback_events FINAL WHERE project_id = {p} "
        f"AND inference_id IS NULL AND trace_id != '' AND {condition})))"
    )


def _evaluation_condition(evaluator: EvaluatorFilter, clause: Clause) -> str:
    parts = []
    if evaluator.evaluator.endswith("*"):
        parts.append(f"startsWith(evaluator, {clause.bind(evaluator.evaluator[:-1], 'String')})")
    else:
        parts.append(f"evaluator = {clause.bind(evaluator.evaluator, 'String')}")
    if evaluator.metric is not None:
        parts.append(f"metric = {clause.bind(evaluator.metric, 'String')}")
    if evaluator.op is not None:
        parts.append(f"value {evaluator.op} {clause.bind(evaluator.value, 'Float64')}")
    if evaluator.labels:
        parts.append(f"label IN {clause.bind(evaluator.labels, 'Array(String)')}")
    return " AND ".join(parts)
