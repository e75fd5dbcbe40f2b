"""Taking items: a reviewer's claim is a lease, so two reviewers are not given the same item unless the queue
asks for two reviews of it.

Claims are taken under one lock per process (a reviewer's pace makes it cheap). Across API processes (cluster
mode) ClickHouse has no compare-and-set, so a claim is write-then-read-back: after writing it, a reviewer holds
the item only if their claim is among the oldest live ones for its free slots; otherwise it is withdrawn and the
next item tried. Reviews stay one per reviewer and item whatever happens.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from telltale_server.schemas.row_versions import next_version, to_ms
from telltale_server.schemas.store import Store
from telltale_server.services.review.schema import Queue

ATTEMPTS = 3
"""Items tried per claim when other processes keep winning the race for them."""
writes = threading.Lock()
"""Held while a claim or a review is decided and written in this process."""


class Claim(BaseModel):
    event_id: str
    reviewer: str
    expires_at: datetime


_OPEN = """
SELECT toString(i.event_id) AS item_id, ifNull(r.n, 0) AS reviews
FROM (SELECT event_id, event_ts FROM review_items FINAL WHERE project_id = {p:String} AND queue_id = {q:String}) AS i
LEFT JOIN (SELECT event_id, count() AS n, countIf(reviewer = {me:String}) AS mine FROM reviews FINAL
           WHERE project_id = {p:String} AND queue_id = {q:String} GROUP BY event_id) AS r ON r.event_id = i.event_id
LEFT JOIN (SELECT event_id, count() AS n FROM review_claims FINAL
           WHERE project_id = {p:String} AND queue_id = {q:String} AND expires_at > {now:DateTime64(3)}
           AND reviewer != {me:String} AND (event_id, reviewer) NOT IN
               (SELECT event_id, reviewer FROM reviews FINAL WHERE project_id = {p:String} AND queue_id = {q:String})
           GROUP BY event_id) AS c ON c.event_id = i.event_id
WHERE ifNull(r.mine, 0) = 0 AND ifNull(r.n, 0) + ifNull(c.n, 0) < {required:UInt8}
ORDER BY reviews DESC, i.event_ts, i.event_id
LIMIT 1
SETTINGS join_use_nulls = 1
"""
"""The next item this reviewer may take: not reviewed by them, with a slot left after others' reviews and live
claims; items another reviewer already reviewed come first, so pairs complete."""


def held(store: Store, queue: Queue, reviewer: str, now: datetime) -> Claim | None:
    """The reviewer's live claim on an item they have not reviewed yet (taking again returns it)."""
    rows = store.rows(
        "SELECT toString(event_id) AS item_id, expires_at FROM review_claims FINAL WHERE project_id = {p:String} "
        "AND queue_id = {q:String} AND reviewer = {me:String} AND expires_at > {now:DateTime64(3)} AND event_id "
        "NOT IN (SELECT event_id FROM reviews FINAL WHERE project_id = {p:String} AND queue_id = {q:String} "
        "AND reviewer = {me:String}) ORDER BY expires_at LIMIT 1",
        {"p": queue.project_id, "q": queue.id, "me": reviewer, "now": now},
    )
    return Claim(event_id=rows[0]["item_id"], reviewer=reviewer, expires_at=rows[0]["expires_at"]) if rows else None


def claim(store: Store, queue: Queue, reviewer: str, now: datetime | None = None) -> Claim | None:
    """Lease the next open item to the reviewer for `queue.lease_s`; None when nothing is left for them."""
    now = now or datetime.now(UTC)
    with writes:
        mine = held(store, queue, reviewer, now)
        if mine is not None:
            return mine
        params = {"p": queue.project_id, "q": queue.id, "me": reviewer, "now": now, "required": queue.reviews_required}
        for _ in range(ATTEMPTS):
            rows = store.rows(_OPEN, params)
            if not rows:
                return None
            expires = to_ms(now + timedelta(seconds=queue.lease_s))
            taken = Claim(event_id=rows[0]["item_id"], reviewer=reviewer, expires_at=expires)
            write(store, queue, taken)
            if reviewer in holders(store, queue, taken.event_id, now, queue.reviews_required - rows[0]["reviews"]):
                return taken
            write(store, queue, taken.model_copy(update={"expires_at": now}))
        return None


def holders(store: Store, queue: Queue, event_id: str, now: datetime, slots: int) -> list[str]:
    """Who holds the item's free slots: the oldest live claims (by row version) of reviewers yet to review it."""
    rows = store.rows(
        "SELECT reviewer FROM review_claims FINAL WHERE project_id = {p:String} AND queue_id = {q:String} "
        "AND event_id = {e:UUID} AND expires_at > {now:DateTime64(3)} AND reviewer NOT IN (SELECT reviewer "
        "FROM reviews FINAL WHERE project_id = {p:String} AND queue_id = {q:String} AND event_id = {e:UUID}) "
        "ORDER BY version LIMIT {slots:UInt8}",
        {"p": queue.project_id, "q": queue.id, "e": event_id, "now": now, "slots": max(slots, 0)},
    )
    return [row["reviewer"] for row in rows]


def release(store: Store, queue: Queue, event_id: str, reviewer: str) -> None:
    """Give the item back before the lease runs out (an expiry in the past)."""
    with writes:
        write(store, queue, Claim(event_id=event_id, reviewer=reviewer, expires_at=datetime.now(UTC)))


def write(store: Store, queue: Queue, found: Claim) -> None:
    """One claim row; the newest row per reviewer and item is the claim."""
    store.client().insert(
        "review_claims",
        [[queue.project_id, queue.id, found.event_id, found.reviewer, found.expires_at, next_version()]],
        column_names=["project_id", "queue_id", "event_id", "reviewer", "expires_at", "version"],
    )


def contains(store: Store, queue: Queue, event_id: str) -> bool:
    """Whether the event is an item of the queue (which also means it is this project's)."""
    return bool(
        store.command(
            "SELECT count() FROM review_items WHERE project_id = {p:String} AND queue_id = {q:String} "
            "AND event_id = {e:UUID}",
            {"p": queue.project_id, "q": queue.id, "e": event_id},
        )
    )
