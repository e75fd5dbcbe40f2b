"""What a reviewer sees of an item: the event with its passages, every evaluator's verdict and the feedback it
got, the queue's questions, and the reviewer's own review if given (never another reviewer's: reviews are blind)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store
from telltale_server.services.events.detail import EventDetail, event_detail
from telltale_server.services.review import reviews
from telltale_server.services.review.claims import Claim
from telltale_server.services.review.schema import Queue, ReviewSchema


class Question(BaseModel):
    key: str = Field(description="`evaluator.metric:label`: the key of its answer in a review's `verdicts`.")
    text: str


class ItemView(BaseModel):
    queue_id: str
    event_id: str
    review_schema: ReviewSchema = Field(alias="schema")
    questions: list[Question]
    detail: EventDetail
    my_review: reviews.Review | None
    claim: Claim | None = None


def item_view(store: Store, queue: Queue, event_id: str, reviewer: str, claim: Claim | None = None) -> ItemView | None:
    """The item as its reviewer sees it, or None when the event is gone from the store."""
    detail = event_detail(store, queue.project_id, UUID(event_id))
    if detail is None:
        return None
    mine = reviews.find(store, queue, event_id, reviewer)
    return ItemView(
        queue_id=queue.id,
        event_id=event_id,
        schema=queue.review_schema,
        questions=[Question(key=q.key, text=q.text()) for q in queue.review_schema.verdicts],
        detail=detail,
        my_review=mine[0] if mine else None,
        claim=claim,
    )
