"""A reviewer's review of one item: checked against the queue's schema, stored once per reviewer and item."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from telltale_server.schemas.row_versions import to_ms
from telltale_server.schemas.store import Store
from telltale_server.services.review.schema import Queue

REVIEW_IDS = uuid.UUID("0d6c7a52-5b1e-4d59-9a51-3f1f2f7f6a10")
"""Namespace of review ids: a review's id follows from its queue, item and reviewer."""


class ReviewBody(BaseModel):
    """What a reviewer records; which fields are allowed or required is the queue's schema."""

    model_config = ConfigDict(extra="forbid")

    categories: list[str] = Field(default_factory=list, max_length=30)
    score: int | None = Field(default=None, ge=1, le=5, description="1 (bad) to 5 (good).")
    text: str = Field(default="", max_length=10_000)
    corrected_answer: str | None = Field(default=None, min_length=1, max_length=200_000)
    verdicts: dict[str, bool] = Field(
        default_factory=dict, max_length=20, description="`evaluator.metric:label` -> whether the label applies."
    )


class Review(ReviewBody):
    review_id: str
    queue_id: str
    event_id: str
    reviewer: str
    created_at: datetime


def review_id(queue_id: str, event_id: str, reviewer: str) -> uuid.UUID:
    return uuid.uuid5(REVIEW_IDS, f"{queue_id}/{event_id}/{reviewer}")


def check(queue: Queue, body: ReviewBody) -> None:
    """Raise a ValidationError naming each field the queue's schema does not allow or that it misses."""
    schema = queue.review_schema
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for index, category in enumerate(body.categories):
        if category not in schema.categories:
            problems.append((("categories", index), f"{category!r} is not one of {schema.categories}"))
    if len(body.categories) > 1 and not schema.multiple:
        problems.append((("categories",), "this queue takes one category per review"))
    asked = {"score": schema.score, "text": schema.text, "corrected_answer": schema.corrected_answer}
    given = {"score": body.score is not None, "text": bool(body.text), "corrected_answer": bool(body.corrected_answer)}
    for name, is_given in given.items():
        if is_given and not asked[name]:
            problems.append(((name,), "this queue does not ask for it"))
    given["categories"] = bool(body.categories)
    problems += [((name,), "this queue requires it") for name in schema.required if not given[name]]
    keys = {question.key for question in schema.verdicts}
    problems += [
        (("verdicts", key), "not a verdict question of this queue") for key in body.verdicts if key not in keys
    ]
    problems += [(("verdicts", key), "answer every verdict question") for key in sorted(keys - set(body.verdicts))]
    if problems:
        raise ValidationError.from_exception_data(
            "ReviewBody",
            [
                InitErrorDetails(type=PydanticCustomError("review_schema", message), loc=loc, input=None)
                for loc, message in problems
            ],
        )


def find(store: Store, queue: Queue, event_id: str | None = None, reviewer: str | None = None) -> list[Review]:
    """The queue's reviews (of one item, by one reviewer, when given), oldest first."""
    where = ["project_id = {p:String}", "queue_id = {q:String}"]
    if event_id is not None:
        where.append("event_id = {e:UUID}")
    if reviewer is not None:
        where.append("reviewer = {me:String}")
    rows = store.rows(
        "SELECT review_id, queue_id, toString(event_id) AS item_id, reviewer, categories, score, text, "
        f"corrected_answer, verdicts, created_at FROM reviews FINAL WHERE {' AND '.join(where)} "
        "ORDER BY created_at, reviewer",
        {"p": queue.project_id, "q": queue.id, "e": event_id or "", "me": reviewer or ""},
    )
    return [_review(row) for row in rows]


def store_review(store: Store, queue: Queue, event_id: str, reviewer: str, body: ReviewBody) -> tuple[Review, bool]:
    """Write the review unless this reviewer already reviewed the item; (the kept review, whether it is new).
    The caller holds `claims.writes`, so the first submission wins and a repeat changes nothing."""
    existing = find(store, queue, event_id, reviewer)
    if existing:
        return existing[0], False
    review = Review(
        **body.model_dump(),
        review_id=str(review_id(queue.id, event_id, reviewer)),
        queue_id=queue.id,
        event_id=event_id,
        reviewer=reviewer,
        created_at=to_ms(datetime.now(UTC)),
    )
    row: list[Any] = [
        queue.project_id,
        queue.id,
        event_id,
        reviewer,
        review.review_id,
        review.categories,
        review.score,
        review.text,
        review.corrected_answer,
        orjson.dumps(review.verdicts).decode(),
        review.created_at,
    ]
    columns = ["project_id", "queue_id", "event_id", "reviewer", "review_id", "categories", "score", "text"]
    store.client().insert("reviews", [row], column_names=[*columns, "corrected_answer", "verdicts", "created_at"])
    return review, True


def _review(row: dict[str, Any]) -> Review:
    fields = {name: value for name, value in row.items() if name != "item_id"}
    return Review.model_validate({**fields, "event_id": row["item_id"], "verdicts": orjson.loads(row["verdicts"])})
