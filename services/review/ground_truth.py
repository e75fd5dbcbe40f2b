"""A completed item (all its reviews in) becomes ground truth: an annotated dataset item, in the queue's own
collection of reviewed items (a dataset draft under the queue's id, which is what exports read) and in the
dataset the queue feeds, if it names one."""

from __future__ import annotations

from telltale_server.schemas.store import Store
from telltale_server.services.datasets import draft
from telltale_server.services.datasets.catalog import DatasetCatalog
from telltale_server.services.datasets.spec import Dataset
from telltale_server.services.review.reviews import Review
from telltale_server.services.review.schema import Queue


def collection(queue: Queue) -> Dataset:
    """The queue's reviewed items, addressed as a dataset (never listed among the project's datasets)."""
    return Dataset(
        name=f"reviewed items of {queue.name}",
        id=queue.id,
        project_id=queue.project_id,
        created_at=queue.created_at,
        updated_at=queue.updated_at,
    )


def consensus(reviews: list[Review]) -> draft.Annotation:
    """The categories every reviewer chose (the label), their notes, and the latest corrected answer."""
    chosen = set(reviews[0].categories).intersection(*(review.categories for review in reviews[1:]))
    notes = [f"{review.reviewer}: {review.text}" for review in reviews if review.text]
    corrected = [review.corrected_answer for review in reviews if review.corrected_answer]
    return draft.Annotation(
        label=",".join(sorted(chosen)), note="\n".join(notes), corrected_answer=corrected[-1] if corrected else None
    )


def record(store: Store, queue: Queue, event_id: str, reviews: list[Review]) -> None:
    """Annotate first, then add: an item copied after its annotation carries the ground truth from the start."""
    annotation = consensus(reviews)
    targets = [collection(queue)]
    if queue.dataset_id is not None:
        fed = DatasetCatalog(store).get(queue.project_id, queue.dataset_id)
        if fed is not None:
            targets.append(fed)
    for dataset in targets:
        draft.annotate(store, dataset, event_id, annotation, f"queue:{queue.id}")
        draft.add_events(store, dataset, [event_id])
