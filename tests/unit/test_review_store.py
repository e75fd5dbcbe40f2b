"""Annotation queues on the real embedded store: filling by the dataset filter and a sample rate, claims that keep
two reviewers apart (or together, when two reviews are required), and evaluators measured against reviewers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from telltale_server.schemas.events import InferenceEvent
from telltale_server.schemas.rows import inference_row
from telltale_server.schemas.spec_tables import SpecTable
from telltale_server.services.review import claims, reviews
from telltale_server.services.review.catalog import QueueCatalog
from telltale_server.services.review.evaluator_agreement import evaluator_agreement
from telltale_server.services.review.fill import JOB, QueueFillJob, fill
from telltale_server.services.review.ground_truth import record
from telltale_server.services.review.progress import progress
from telltale_server.services.review.schema import Queue, QueueSpec
from telltale_server.services.runtime import Runtime
from telltale_server.streams.health import HealthLog
from telltale_server.streams.sink import Sink
from tests.support.datasets import T0, Traffic, at
from tests.support.events import inference

QUESTION_KEY = "groundedness.score:ungrounded"
QUESTION = {"evaluator": "groundedness", "metric": "score", "label": "ungrounded", "score": "details.min_support"}


def make_queue(rt: Runtime, project: str, **spec: object) -> Queue:
    body = {"name": "q", "schema": {"categories": ["wrong", "fine"], "verdicts": [QUESTION]}, **spec}
    return QueueCatalog(rt.store).save(project, QueueSpec.model_validate(body))


def answer(ungrounded: bool) -> reviews.ReviewBody:
    return reviews.ReviewBody(verdicts={QUESTION_KEY: ungrounded})


def test_fill_takes_matching_events_once(runtime: Runtime, project: str) -> None:
    traffic = Traffic(runtime.store, project)
    calls = [traffic.call(ts=at(i), route="search" if i % 2 else "chat") for i in range(10)]
    Traffic(runtime.store, "someone-else").call(ts=at(1), route="search")
    queue = make_queue(runtime, project, filter={"route": ["search"], "start": at(0), "end": at(60)})
    assert fill(runtime.store, queue) == 5
    assert fill(runtime.store, queue) == 0
    traffic.call(ts=at(30), route="search")
    assert fill(runtime.store, queue) == 1
    assert progress(runtime.store, queue).items == 6
    assert not claims.contains(runtime.store, queue, str(calls[0].event_id))
    assert claims.contains(runtime.store, queue, str(calls[1].event_id))


def test_sample_rate_takes_a_stable_share(runtime: Runtime, project: str) -> None:
    events = [InferenceEvent.model_validate(inference(ts=at(i / 10))) for i in range(400)]
    Sink(runtime.store).inference([inference_row(project, event, datetime.now(UTC)) for event in events])
    queue = make_queue(runtime, project, sample_rate=0.25, seed=3)
    taken = fill(runtime.store, queue)
    assert 60 <= taken <= 140
    assert fill(runtime.store, queue) == 0
    capped = make_queue(runtime, project, max_items=7)
    assert fill(runtime.store, capped) == 7 and fill(runtime.store, capped) == 0


def test_one_review_per_item_keeps_reviewers_apart(runtime: Runtime, project: str) -> None:
    traffic = Traffic(runtime.store, project)
    for i in range(2):
        traffic.call(ts=at(i))
    queue = make_queue(runtime, project)
    fill(runtime.store, queue)
    alice = claims.claim(runtime.store, queue, "alice")
    bob = claims.claim(runtime.store, queue, "bob")
    assert alice is not None and bob is not None and alice.event_id != bob.event_id
    assert claims.claim(runtime.store, queue, "alice") == alice, "taking again returns the held item"
    assert claims.claim(runtime.store, queue, "carol") is None, "both items are taken"
    claims.release(runtime.store, queue, bob.event_id, "bob")
    carol = claims.claim(runtime.store, queue, "carol")
    assert carol is not None and carol.event_id == bob.event_id


def test_expired_claims_free_the_item(runtime: Runtime, project: str) -> None:
    Traffic(runtime.store, project).call(ts=at(0))
    queue = make_queue(runtime, project, lease_s=60)
    fill(runtime.store, queue)
    taken = claims.claim(runtime.store, queue, "alice", T0)
    assert taken is not None
    assert claims.claim(runtime.store, queue, "bob", T0 + timedelta(seconds=30)) is None
    later = claims.claim(runtime.store, queue, "bob", T0 + timedelta(seconds=61))
    assert later is not None and later.event_id == taken.event_id


def test_two_reviews_required_hands_each_item_to_two_reviewers(runtime: Runtime, project: str) -> None:
    Traffic(runtime.store, project).call(ts=at(0))
    queue = make_queue(runtime, project, reviews_required=2)
    fill(runtime.store, queue)
    alice = claims.claim(runtime.store, queue, "alice")
    bob = claims.claim(runtime.store, queue, "bob")
    assert alice is not None and bob is not None and alice.event_id == bob.event_id
    assert claims.claim(runtime.store, queue, "carol") is None
    reviews.store_review(runtime.store, queue, alice.event_id, "alice", answer(ungrounded=True))
    assert claims.claim(runtime.store, queue, "alice") is None, "alice reviewed it already"


def test_evaluator_measured_against_reviewers_per_day(runtime: Runtime, project: str) -> None:
    """Ten reviewed calls over two days: the evaluator flags five (support below 0.6); the reviewers call the ones
    with support below 0.45 ungrounded, so it has false alarms and a better threshold exists."""
    traffic = Traffic(runtime.store, project)
    supports = [0.1, 0.2, 0.3, 0.4, 0.5, 0.65, 0.7, 0.8, 0.9, 0.95]
    queue = make_queue(runtime, project, reviews_required=1)
    for i, support in enumerate(supports):
        call = traffic.call(ts=at(i * 180))
        label = "ungrounded" if support < 0.6 else "grounded"
        traffic.evaluation(call, "groundedness", "score", 1.0 - support, label, min_support=support)
    unreviewed = traffic.call(ts=at(5))
    traffic.evaluation(unreviewed, "groundedness", "score", 0.0, "ungrounded", min_support=0.0)
    fill(runtime.store, queue)
    for item in runtime.store.rows(
        "SELECT toString(e.event_id) AS id, toFloat64(JSONExtractFloat(v.details, 'min_support')) AS s "
        "FROM review_items AS e INNER JOIN evaluations AS v ON v.event_id = e.event_id "
        "WHERE e.project_id = {p:String} AND v.project_id = {p:String}",
        {"p": project},
    ):
        if item["id"] == str(unreviewed.event_id):
            continue
        body = answer(ungrounded=item["s"] < 0.45)
        review, _ = reviews.store_review(runtime.store, queue, item["id"], "alice", body)
        record(runtime.store, queue, item["id"], [review])
    [report] = evaluator_agreement(runtime.store, queue, reviews.find(runtime.store, queue))
    assert report.question == QUESTION_KEY and report.reviewed == 10 and report.unscored == 0
    assert (report.confusion.tp, report.confusion.fp, report.confusion.fn, report.confusion.tn) == (4, 1, 0, 5)
    assert report.confusion.precision == pytest.approx(0.8) and report.confusion.recall == 1.0
    days = [(d.day.isoformat(), d.confusion.tp, d.confusion.fp, d.confusion.tn) for d in report.by_day]
    assert days == [("2026-03-01", 4, 1, 0), ("2026-03-02", 0, 0, 5)]
    threshold = report.threshold
    assert threshold.positive_when == "<=" and threshold.items == 10
    assert threshold.suggested is not None and 0.4 <= threshold.suggested < 0.5
    assert threshold.balanced_accuracy == 1.0 and threshold.current_balanced_accuracy == pytest.approx(
        (1.0 + 5 / 6) / 2
    )


def test_the_fill_job_fills_every_project_and_records_a_broken_queue(runtime: Runtime, project: str) -> None:
    other = f"{project}-b"
    for owner in (project, other):
        Traffic(runtime.store, owner).call(ts=at(0))
    good = [make_queue(runtime, owner) for owner in (project, other)]
    SpecTable(runtime.store, "review_queues", "queue_id").write(project, "rq_broken", '{"name": ""}', T0)
    added = QueueFillJob(runtime.store).tick(datetime.now(UTC))
    assert {queue_id: added[queue_id] for queue_id in (good[0].id, good[1].id)} == {good[0].id: 1, good[1].id: 1}
    errors = HealthLog(runtime.store, JOB).errors(project)
    assert "rq_broken" in errors and "schema" in errors["rq_broken"].error


def test_of_two_processes_racing_for_a_slot_the_older_claim_holds_it(runtime: Runtime, project: str) -> None:
    """What another API process's claim written in the same moment looks like: both rows live, one slot."""
    Traffic(runtime.store, project).call(ts=at(0))
    queue = make_queue(runtime, project)
    fill(runtime.store, queue)
    first = claims.claim(runtime.store, queue, "alice")
    assert first is not None
    later = first.model_copy(update={"reviewer": "bob"})
    claims.write(runtime.store, queue, later)
    now = datetime.now(UTC)
    assert claims.holders(runtime.store, queue, first.event_id, now, 1) == ["alice"]
    assert claims.holders(runtime.store, queue, first.event_id, now, 2) == ["alice", "bob"]
    reviews.store_review(runtime.store, queue, first.event_id, "alice", answer(True))
    assert claims.holders(runtime.store, queue, first.event_id, now, 1) == ["bob"]
