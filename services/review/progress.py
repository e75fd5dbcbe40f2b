"""Where a queue stands: items taken in, reviews given, items complete, and what is left to review."""

from __future__ import annotations

from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store
from telltale_server.services.review.schema import Queue


class Progress(BaseModel):
    items: int = Field(description="Events the queue has taken in.")
    reviews: int = Field(description="Reviews given.")
    complete: int = Field(description="Items with all the reviews the queue requires.")
    open: int = Field(description="Items still needing a review.")


def progress(store: Store, queue: Queue) -> Progress:
    row = store.rows(
        "SELECT count() AS items, sum(n) AS reviews, countIf(n >= {required:UInt8}) AS complete FROM "
        "(SELECT i.event_id, ifNull(r.n, 0) AS n FROM (SELECT event_id FROM review_items FINAL "
        "WHERE project_id = {p:String} AND queue_id = {q:String}) AS i LEFT JOIN (SELECT event_id, count() AS n "
        "FROM reviews FINAL WHERE project_id = {p:String} AND queue_id = {q:String} GROUP BY event_id) AS r "
        "ON r.event_id = i.event_id SETTINGS join_use_nulls = 1)",
        {"p": queue.project_id, "q": queue.id, "required": queue.reviews_required},
    )[0]
    items, complete = int(row["items"]), int(row["complete"])
    return Progress(items=items, reviews=int(row["reviews"] or 0), complete=complete, open=items - complete)


class QueueView(Queue):
    """A queue as the API shows it: its spec and where it stands."""

    progress: Progress
