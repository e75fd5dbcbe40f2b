"""The event list: newest first, filtered and searched, a page at a time with a cursor that survives new traffic."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from telltale_server.schemas import times
from telltale_server.schemas.store import Store
from telltale_server.services.metrics.catalog import LABELS, Filters

PREVIEW_CHARS = 240
USER_TURN = (
    "WITH arrayLast(m -> JSONExtractString(m, 'role') = 'user', JSONExtractArrayRaw(input_messages)) AS last_user, "
    "if(JSONType(last_user, 'content') = 'String', JSONExtractString(last_user, 'content'), arrayStringConcat("
    "arrayMap(p -> JSONExtractString(p, 'text'), JSONExtractArrayRaw(last_user, 'content')), ' ')) AS user_turn "
)
"""The last user turn's text (the text parts of multimodal content), as `user_turn`."""


def question(chars: int = PREVIEW_CHARS) -> str:
    """The column `question`: the first `chars` characters of the last user turn, else of the input text."""
    return f"substringUTF8(if(input_messages = '' OR user_turn = '', input_text, user_turn), 1, {chars}) AS question"


Feedback = Literal["any", "negative", "none"]
_CURSOR = re.compile(r"^(\d{1,15})_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
_PAIR = re.compile(r"^[\w.\-]{1,130}:[\w.\-]{1,64}$")


class EventQuery(BaseModel):
    """What to list: a time range, label filters, a text search and evaluator or feedback conditions."""

    start: datetime
    end: datetime
    filters: Filters = Field(default_factory=Filters)
    text: str = Field("", max_length=200, description="Case-insensitive substring of input or output, or an id.")
    status: Literal["ok", "error"] | None = None
    labels: list[str] = Field(
        default_factory=list,
        description="`evaluator.metric:label` (that metric: e.g. `safety.pii.output:pii`) or `evaluator:label` "
        "(any of its metrics) pairs; all must hold.",
    )
    feedback: Feedback | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")


class EventFeedback(BaseModel):
    count: int
    negative: int


class EventRow(BaseModel):
    event_id: UUID
    ts: datetime
    model: str
    route: str
    prompt_version: str
    environment: str
    status: str
    latency_ms: float | None
    input: str = Field(description=f"The first {PREVIEW_CHARS} characters of the input text.")
    question: str = Field(
        description=f"What the user asked: the first {PREVIEW_CHARS} characters of the last user turn of a chat "
        "input (not the system prompt every call shares), or of a plain-text input."
    )
    session_id: str = Field(description="The conversation the call belongs to; empty when the app sent none.")
    user_id: str = Field(description="The app's user id; empty when the app sent none.")
    output: str = Field(description=f"The first {PREVIEW_CHARS} characters of the output.")
    labels: list[str] = Field(
        description="`evaluator.metric:label` of the event's evaluations: the metric says what the label is about "
        "(`input`, `output` or `contexts` for the safety evaluators), e.g. `safety.pii.output:pii`."
    )
    feedback: EventFeedback


class EventPage(BaseModel):
    items: list[EventRow]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last.")


class BadCursorError(ValueError):
    """The cursor was not one this API made."""


def parse_label(pair: str) -> tuple[str, str]:
    """`safety.pii.output:pii` or `safety.pii:pii` as (what, label): `what` is `evaluator.metric` or an evaluator;
    refuses anything else."""
    if not _PAIR.match(pair):
        raise ValueError(f"label filter {pair!r} is not `evaluator:label`")
    evaluator, label = pair.rsplit(":", 1)
    return evaluator, label


def search_events(store: Store, project_id: str, query: EventQuery) -> EventPage:
    """One page of events (deduplicated), newest first; then their labels and feedback for those ids only."""
    where, params = _conditions(project_id, query)
    rows = store.rows(
        f"{USER_TURN}SELECT event_id, ts, model, route, prompt_version, environment, status, latency_ms, "
        f"substringUTF8(input_text, 1, {PREVIEW_CHARS}) AS input, {question()}, session_id, user_id, "
        f"substringUTF8(ifNull(output, ''), 1, {PREVIEW_CHARS}) AS output "
        f"FROM inference_events FINAL WHERE {' AND '.join(where)} "
        "ORDER BY ts DESC, event_id DESC LIMIT {limit:UInt32}",
        {**params, "limit": query.limit + 1},
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    labels, feedback = _annotations(store, project_id, rows)
    items = [
        EventRow(
            **row,
            labels=labels.get(str(row["event_id"]), []),
            feedback=feedback.get(str(row["event_id"]), EventFeedback(count=0, negative=0)),
        )
        for row in rows
    ]
    last = rows[-1] if more else None
    cursor = f"{int(last['ts'].timestamp() * 1000)}_{last['event_id']}" if last else None
    return EventPage(items=items, next_cursor=cursor)


def _conditions(project_id: str, query: EventQuery) -> tuple[list[str], dict[str, Any]]:
    where = ["project_id = {p:String}", "ts >= {start:DateTime64(3)}", "ts < {end:DateTime64(3)}"]
    params: dict[str, Any] = {"p": project_id, "start": query.start, "end": query.end}
    for label in LABELS:
        if values := getattr(query.filters, label):
            where.append(f"{label} IN {{f_{label}:Array(String)}}")
            params[f"f_{label}"] = values
    if query.filters.tags:
        where.append("hasAll(tags, {f_tags:Array(String)})")
        params["f_tags"] = query.filters.tags
    if query.status:
        where.append("status = {status:String}")
        params["status"] = query.status
    if query.text:
        where.append(
            "(positionCaseInsensitiveUTF8(input_text, {text:String}) > 0 "
            "OR positionCaseInsensitiveUTF8(ifNull(output, ''), {text:String}) > 0 "
            "OR toString(event_id) = {text:String} OR trace_id = {text:String})"
        )
        params["text"] = query.text.strip()
    in_window = "project_id = {p:String} AND ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)}"
    for i, pair in enumerate(query.labels):
        evaluator, label_value = parse_label(pair)
        where.append(
            f"event_id IN (SELECT event_id FROM evaluations WHERE {in_window} "
            f"AND (evaluator = {{ev{i}:String}} OR concat(evaluator, '.', metric) = {{ev{i}:String}}) "
            f"AND label = {{lb{i}:String}})"
        )
        params |= {f"ev{i}": evaluator, f"lb{i}": label_value}
    if query.feedback:
        given = (
            "SELECT inference_id FROM feedback_events WHERE project_id = {p:String} AND ts >= {start:DateTime64(3)} "
            "AND inference_id IS NOT NULL" + (" AND negative = 1" if query.feedback == "negative" else "")
        )
        where.append(f"event_id {'NOT IN' if query.feedback == 'none' else 'IN'} ({given})")
    if query.cursor:
        ms, event_id = parse_cursor(query.cursor)
        where.append("(ts, event_id) < ({c_ts:DateTime64(3)}, {c_id:UUID})")
        params |= {"c_ts": datetime.fromtimestamp(ms / 1000, UTC), "c_id": event_id}
    return where, params


def parse_cursor(cursor: str) -> tuple[int, str]:
    """The cursor's (ms since epoch, event id)."""
    found = _CURSOR.match(cursor)
    if not found or int(found.group(1)) >= times.LATEST.timestamp() * 1000:
        raise BadCursorError("`cursor` is not a cursor this API returned")
    return int(found.group(1)), found.group(2)


def _annotations(
    store: Store, project_id: str, rows: list[dict[str, Any]]
) -> tuple[dict[str, list[str]], dict[str, EventFeedback]]:
    """The evaluator labels and feedback counts of the listed events."""
    if not rows:
        return {}, {}
    params = {
        "p": project_id,
        "ids": [str(row["event_id"]) for row in rows],
        "start": min(row["ts"] for row in rows),
        "end": max(row["ts"] for row in rows),
    }
    labels = store.rows(
        "SELECT toString(event_id) AS id, "
        "arraySort(groupUniqArray(concat(evaluator, '.', metric, ':', label))) AS pairs "
        "FROM evaluations WHERE project_id = {p:String} AND ts >= {start:DateTime64(3)} "
        "AND ts <= {end:DateTime64(3)} AND event_id IN {ids:Array(UUID)} AND label != '' GROUP BY id",
        params,
    )
    feedback = store.rows(
        "SELECT toString(inference_id) AS id, count() AS count, sum(negative) AS negative "
        "FROM feedback_events FINAL WHERE project_id = {p:String} AND inference_id IN {ids:Array(UUID)} GROUP BY id",
        params,
    )
    return (
        {row["id"]: row["pairs"] for row in labels},
        {row["id"]: EventFeedback(count=row["count"], negative=row["negative"]) for row in feedback},
    )
