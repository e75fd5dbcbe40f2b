"""Submitting a review: store it once, send it on as annotator feedback, and when the item has all its reviews,
write its ground truth. A repeated submission returns the first review and re-sends the same feedback (same
ids, so nothing is stored twice): a client that lost the first answer can retry safely."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store
from telltale_server.services.ingest.service import IngestService
from telltale_server.services.review import claims, ground_truth, reviews
from telltale_server.services.review.feedback import feedback_events
from telltale_server.services.review.schema import Queue


class Submitted(BaseModel):
    review: reviews.Review
    created: bool = Field(description="False when this reviewer had already reviewed the item: nothing changed.")
    complete: bool = Field(description="The item has all the reviews its queue requires.")


class AlreadyReviewed(Exception):
    """The item already has every review its queue requires, from other reviewers."""


def write_review(store: Store, queue: Queue, event_id: str, reviewer: str, body: reviews.ReviewBody) -> Submitted:
    """Store the review once; the review that completes the item writes its ground truth."""
    with claims.writes:
        others = [r for r in reviews.find(store, queue, event_id) if r.reviewer != reviewer]
        mine = reviews.find(store, queue, event_id, reviewer)
        if not mine and len(others) >= queue.reviews_required:
            raise AlreadyReviewed(event_id)
        review, created = reviews.store_review(store, queue, event_id, reviewer, body)
        done = len(others) + 1 >= queue.reviews_required
        if created and done:
            ground_truth.record(store, queue, event_id, [*others, review])
        return Submitted(review=review, created=created, complete=done)


async def submit(
    store: Store, ingest: IngestService, queue: Queue, event_id: str, reviewer: str, body: reviews.ReviewBody
) -> Submitted:
    """The caller checked that the item is the queue's and the body fits its schema (`reviews.check`)."""
    submitted = await asyncio.to_thread(write_review, store, queue, event_id, reviewer, body)
    await ingest.accept(queue.project_id, "feedback", list(feedback_events(submitted.review)))
    if submitted.created:
        await asyncio.to_thread(claims.release, store, queue, event_id, reviewer)
    return submitted
