"""A review as feedback events with `source: annotator`, so alert rules, metrics and datasets see it like any
other feedback. Their ids follow from the review's, so sending them again is a no-op."""

from __future__ import annotations

import uuid

from telltale_server.schemas.events import FeedbackEvent
from telltale_server.services.review.reviews import Review


def _id(review: Review, kind: str) -> uuid.UUID:
    return uuid.uuid5(uuid.UUID(review.review_id), kind)


def feedback_events(review: Review) -> list[FeedbackEvent]:
    """A rating for the score, a correction for the corrected answer, else a comment carrying the categories and
    text; each names the queue, the review and the verdict answers (attributes), and carries the categories as
    `review:<category>` tags."""
    common = {
        "inference_id": review.event_id,
        "ts": review.created_at,
        "source": "annotator",
        "user_id": review.reviewer,
        "comment": review.text or None,
        "tags": [f"review:{category}" for category in review.categories],
        "attributes": {"queue_id": review.queue_id, "review_id": review.review_id, **review.verdicts},
    }
    events = []
    if review.score is not None:
        events.append(
            FeedbackEvent.model_validate(
                {**common, "event_id": _id(review, "rating"), "kind": "rating", "value": review.score}
            )
        )
    if review.corrected_answer:
        events.append(
            FeedbackEvent.model_validate(
                {
                    **common,
                    "event_id": _id(review, "correction"),
                    "kind": "correction",
                    "correction": review.corrected_answer,
                }
            )
        )
    if not events:
        summary = review.text or ", ".join(review.categories) or "reviewed"
        events.append(
            FeedbackEvent.model_validate(
                {**common, "event_id": _id(review, "comment"), "kind": "comment", "comment": summary}
            )
        )
    return events
