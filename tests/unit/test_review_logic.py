"""The parts of review that need no store: queue specs, a review against its schema, the feedback a review
becomes, reviewer agreement and the suggested threshold."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from telltale_server.services.review.agreement import kappa, reviewer_agreement
from telltale_server.services.review.feedback import feedback_events
from telltale_server.services.review.reviews import Review, ReviewBody, check
from telltale_server.services.review.schema import Queue, QueueSpec
from telltale_server.services.review.threshold import suggest

KEY = "groundedness.score:ungrounded"
SCHEMA: dict[str, Any] = {
    "categories": ["hallucination", "fine"],
    "score": True,
    "corrected_answer": True,
    "required": ["categories"],
    "verdicts": [{"evaluator": "groundedness", "metric": "score", "label": "ungrounded"}],
}
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def queue(**schema: Any) -> Queue:
    spec = QueueSpec.model_validate({"name": "q", "schema": {**SCHEMA, **schema}}).model_dump(by_alias=True)
    return Queue.model_validate({**spec, "id": "rq_1", "project_id": "p", "created_at": NOW, "updated_at": NOW})


def review(reviewer: str, event_id: str = "e1", **body: Any) -> Review:
    item = str(uuid.uuid5(uuid.NAMESPACE_URL, event_id))
    made = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{reviewer}/{event_id}"))
    fields = {"review_id": made, "queue_id": "rq_1", "event_id": item, "created_at": NOW}
    return Review(reviewer=reviewer, **fields, **body)


def errors(spec: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as caught:
        QueueSpec.model_validate({"name": "q", **spec})
    return [error["loc"] for error in caught.value.errors()]


def test_queue_specs_refuse_what_cannot_be_reviewed() -> None:
    assert errors({"schema": {"text": False}}) == [("schema",)]
    assert errors({"schema": {"score": False, "required": ["score"]}}) == [("schema",)]
    twice = {"evaluator": "safety", "metric": "pii.output", "label": "pii"}
    assert errors({"schema": {"verdicts": [twice, twice]}}) == [("schema",)]
    assert errors({"schema": {"verdicts": [{**twice, "score": "details.a b"}]}}) == [("schema", "verdicts", 0, "score")]
    assert errors({"schema": {"categories": ["ok"], "colour": "red"}}) == [("schema", "colour")]
    assert errors({"schema": SCHEMA, "reviews_required": 3}) == [("reviews_required",)]
    assert errors({"schema": SCHEMA, "filter": {"last": "1h", "start": "2026-01-01T00:00:00Z"}}) == [("filter",)]


def test_a_queue_round_trips_with_its_schema_under_that_name() -> None:
    dumped = queue().model_dump(by_alias=True)
    assert dumped["schema"]["categories"] == ["hallucination", "fine"] and "review_schema" not in dumped
    assert queue().review_schema.verdicts[0].key == KEY


def problems(body: dict[str, Any], **schema: Any) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as caught:
        check(queue(**schema), ReviewBody.model_validate(body))
    return [error["loc"] for error in caught.value.errors()]


def test_a_review_is_checked_against_the_queue_schema() -> None:
    check(queue(), ReviewBody(categories=["fine"], verdicts={KEY: False}))
    assert problems({"categories": ["rude"], "verdicts": {KEY: True}}) == [("categories", 0)]
    assert problems({"categories": ["fine", "hallucination"], "verdicts": {KEY: True}}) == [("categories",)]
    check(queue(multiple=True), ReviewBody(categories=["fine", "hallucination"], verdicts={KEY: True}))
    assert problems({"verdicts": {KEY: True}}) == [("categories",)]
    assert problems({"categories": ["fine"], "text": "hm", "verdicts": {KEY: True}}, text=False) == [("text",)]
    assert problems({"categories": ["fine"]}) == [("verdicts", KEY)]
    assert problems({"categories": ["fine"], "verdicts": {KEY: True, "a.b:c": True}}) == [("verdicts", "a.b:c")]


def test_a_review_becomes_annotator_feedback_with_stable_ids() -> None:
    full = review(
        "key:alice",
        categories=["hallucination"],
        score=2,
        text="made up",
        corrected_answer="right",
        verdicts={KEY: True},
    )
    events = feedback_events(full)
    assert [(e.kind, e.source, e.comment) for e in events] == [
        ("rating", "annotator", "made up"),
        ("correction", "annotator", "made up"),
    ]
    assert events[0].value == 2 and events[1].correction == "right" and events[0].is_negative()
    assert events[0].tags == ["review:hallucination"] and events[0].attributes[KEY] is True
    assert [e.event_id for e in feedback_events(full)] == [e.event_id for e in events]
    [only] = feedback_events(review("key:bob", categories=["fine"], verdicts={KEY: False}))
    assert (only.kind, only.comment, only.is_negative()) == ("comment", "fine", False)


def test_kappa_is_undefined_when_both_raters_use_one_value() -> None:
    assert kappa([True, True], [True, True]) is None and kappa([], []) is None
    assert kappa([1, 1, 0, 0], [1, 0, 0, 0]) == pytest.approx(0.5)


def test_reviewer_agreement_uses_the_first_two_reviews_per_item() -> None:
    found = [
        review("a", "e1", categories=["hallucination"], score=1, verdicts={KEY: True}),
        review("b", "e1", categories=["hallucination"], score=2, verdicts={KEY: True}),
        review("a", "e2", categories=["fine"], score=5, verdicts={KEY: False}),
        review("b", "e2", categories=["hallucination"], score=5, verdicts={KEY: True}),
        review("a", "e3", categories=["fine"], verdicts={KEY: False}),
    ]
    report = reviewer_agreement(queue(), found)
    fields = {f.field: f for f in report.fields}
    assert report.items_reviewed_twice == 2
    assert (fields["category:hallucination"].items, fields["category:hallucination"].percent_agreement) == (2, 0.5)
    assert fields[KEY].percent_agreement == 0.5 and fields[KEY].kappa == pytest.approx(0.0)
    assert fields["score"].percent_agreement == 0.5 and fields["score"].kappa is not None


def test_the_suggested_threshold_separates_what_reviewers_said() -> None:
    truth = [True, True, True, False, False, False]
    scores: list[float | None] = [0.1, 0.2, 0.35, 0.5, 0.7, 0.9]
    current = [True, True, True, True, True, False]
    found = suggest("details.min_support", truth, current, scores, "<=")
    assert found.suggested == 0.35 and found.balanced_accuracy == 1.0 and (found.precision, found.recall) == (1, 1)
    assert found.current_balanced_accuracy == pytest.approx((1 + 1 / 3) / 2)
    high = suggest("value", truth, truth, [0.9, 0.8, 0.7, 0.3, None, 0.1], ">=")
    assert high.suggested == 0.7 and high.items == 5
    few = suggest("value", truth[:3], truth[:3], scores[:3], "<=")
    assert few.suggested is None and "at least" in few.reason
