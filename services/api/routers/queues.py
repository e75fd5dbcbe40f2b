"""/v1/queues: annotation queues that fill from production, the reviews people give, and how far reviewers and
evaluators agree."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, ValidationError

from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import invalid, invalid_body, responses
from telltale_server.services.api.flow_columns import flow_columns
from telltale_server.services.api.refusals import unavailable
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.datasets.catalog import DatasetCatalog
from telltale_server.services.datasets.export.formats import MEDIA_TYPES, Format
from telltale_server.services.datasets.export.records import FlowColumns
from telltale_server.services.ingest.log import LogUnavailableError
from telltale_server.services.review import claims, reviews
from telltale_server.services.review.agreement import ReviewerAgreement, reviewer_agreement
from telltale_server.services.review.catalog import QueueCatalog
from telltale_server.services.review.evaluator_agreement import EvaluatorAgreement, evaluator_agreement
from telltale_server.services.review.export import export
from telltale_server.services.review.fill import JOB, fill
from telltale_server.services.review.items import ItemView, item_view
from telltale_server.services.review.progress import QueueView, progress
from telltale_server.services.review.schema import Queue, QueueSpec
from telltale_server.services.review.submit import AlreadyReviewed, Submitted, submit
from telltale_server.services.runtime import Runtime
from telltale_server.streams.health import HealthLog

router = APIRouter(prefix="/v1/queues", tags=["review queues"], responses=responses(401, 403))
Found = responses(404)
Viewer = Annotated[ApiKey, Depends(require("read", "review"))]
Reader = Annotated[ApiKey, Depends(require("read"))]
Reviewer = Annotated[ApiKey, Depends(require("review"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
Rt = Annotated[Runtime, Depends(runtime)]


class Filled(BaseModel):
    added: int = Field(description="Events the queue took in now.")


class Agreement(BaseModel):
    reviewers: ReviewerAgreement
    evaluators: list[EvaluatorAgreement]


def _reviewer(key: ApiKey) -> str:
    return f"key:{key.key_id}"


async def _queue(rt: Runtime, key: ApiKey, queue_id: str) -> Queue:
    found = await run_in_threadpool(QueueCatalog(rt.store).get, key.project_id, queue_id)
    if found is None:
        raise HTTPException(404, f"no queue {queue_id} in this project")
    return found


async def _item(rt: Runtime, key: ApiKey, queue_id: str, event_id: UUID) -> Queue:
    queue = await _queue(rt, key, queue_id)
    if not await run_in_threadpool(claims.contains, rt.store, queue, str(event_id)):
        raise HTTPException(404, f"event {event_id} is not an item of queue {queue_id}")
    return queue


async def _views(rt: Runtime, key: ApiKey, queues: list[Queue]) -> list[QueueView]:
    errors = await run_in_threadpool(HealthLog(rt.store, JOB).errors, key.project_id)
    return [
        QueueView(
            **queue.model_dump(by_alias=True, exclude={"last_error"}),
            last_error=errors.get(queue.id),
            progress=await run_in_threadpool(progress, rt.store, queue),
        )
        for queue in queues
    ]


async def _check_dataset(rt: Runtime, key: ApiKey, spec: QueueSpec) -> None:
    if spec.dataset_id is not None and not await run_in_threadpool(
        DatasetCatalog(rt.store).get, key.project_id, spec.dataset_id
    ):
        raise invalid(("body", "dataset_id"), f"no dataset {spec.dataset_id} in this project")


@router.get("", response_model=list[QueueView])
async def list_queues(key: Viewer, rt: Rt) -> list[QueueView]:
    """The project's queues with their progress (a `read` or `review` key)."""
    return await _views(rt, key, await run_in_threadpool(QueueCatalog(rt.store).of_project, key.project_id))


@router.post("", response_model=QueueView, status_code=201)
async def create_queue(spec: QueueSpec, key: Admin, rt: Rt) -> QueueView:
    """A queue takes in matching events from now on (the fill job, every 30 s; or `POST .../fill`)."""
    await _check_dataset(rt, key, spec)
    return (await _views(rt, key, [await run_in_threadpool(QueueCatalog(rt.store).save, key.project_id, spec)]))[0]


@router.get("/{queue_id}", response_model=QueueView, responses=Found)
async def get_queue(queue_id: str, key: Viewer, rt: Rt) -> QueueView:
    return (await _views(rt, key, [await _queue(rt, key, queue_id)]))[0]


@router.put("/{queue_id}", response_model=QueueView, responses=Found)
async def replace_queue(queue_id: str, spec: QueueSpec, key: Admin, rt: Rt) -> QueueView:
    """Replace the spec; items already taken in and their reviews stay."""
    await _queue(rt, key, queue_id)
    await _check_dataset(rt, key, spec)
    saved = await run_in_threadpool(QueueCatalog(rt.store).save, key.project_id, spec, queue_id)
    return (await _views(rt, key, [saved]))[0]


@router.delete("/{queue_id}", status_code=204, responses=Found)
async def delete_queue(queue_id: str, key: Admin, rt: Rt) -> Response:
    if not await run_in_threadpool(QueueCatalog(rt.store).delete, key.project_id, queue_id):
        raise HTTPException(404, f"no queue {queue_id} in this project")
    return Response(status_code=204)


@router.post("/{queue_id}/fill", response_model=Filled, responses=Found)
async def fill_queue(queue_id: str, key: Admin, rt: Rt) -> Filled:
    """Take in the new matching events now, rather than at the fill job's next pass."""
    queue = await _queue(rt, key, queue_id)
    return Filled(added=await run_in_threadpool(fill, rt.store, queue))


@router.post("/{queue_id}/claim", response_model=ItemView, responses={**Found, 204: {"description": "Nothing left."}})
async def claim_item(queue_id: str, key: Reviewer, rt: Rt) -> ItemView | Response:
    """Take the next item (leased to this key for the queue's `lease_s`; taking again returns the same item until
    it is reviewed); 204 when nothing is left for this reviewer."""
    queue = await _queue(rt, key, queue_id)
    taken = await run_in_threadpool(claims.claim, rt.store, queue, _reviewer(key))
    if taken is None:
        return Response(status_code=204)
    view = await run_in_threadpool(item_view, rt.store, queue, taken.event_id, _reviewer(key), taken)
    if view is None:
        raise HTTPException(404, f"event {taken.event_id} is no longer stored")
    return view


@router.get("/{queue_id}/items/{event_id}", response_model=ItemView, responses=Found)
async def get_item(queue_id: str, event_id: UUID, key: Reviewer, rt: Rt) -> ItemView:
    """The item with its passages, every evaluator's verdict, and this reviewer's own review if given."""
    queue = await _item(rt, key, queue_id, event_id)
    view = await run_in_threadpool(item_view, rt.store, queue, str(event_id), _reviewer(key))
    if view is None:
        raise HTTPException(404, f"event {event_id} is no longer stored")
    return view


@router.post("/{queue_id}/items/{event_id}/release", status_code=204, responses=Found)
async def release_item(queue_id: str, event_id: UUID, key: Reviewer, rt: Rt) -> Response:
    """Give a taken item back, so another reviewer can take it at once."""
    queue = await _item(rt, key, queue_id, event_id)
    await run_in_threadpool(claims.release, rt.store, queue, str(event_id), _reviewer(key))
    return Response(status_code=204)


@router.post(
    "/{queue_id}/items/{event_id}/reviews",
    response_model=Submitted,
    status_code=201,
    responses={
        **Found,
        **responses(409, 503),
        200: {"model": Submitted, "description": "Already reviewed: unchanged."},
    },
)
async def review_item(
    queue_id: str, event_id: UUID, body: reviews.ReviewBody, key: Reviewer, rt: Rt, response: Response
) -> Submitted:
    """Record this key's review (once: a repeat answers 200 with the first); it becomes `annotator` feedback, and
    ground truth in the queue's reviewed items (and its dataset) once the item has all its reviews. A 503 means the
    review is kept but its feedback was not: submit it again after Retry-After."""
    queue = await _item(rt, key, queue_id, event_id)
    try:
        reviews.check(queue, body)
    except ValidationError as error:
        raise invalid_body(error, "body") from None
    try:
        submitted = await submit(rt.store, rt.ingest, queue, str(event_id), _reviewer(key), body)
    except AlreadyReviewed:
        raise HTTPException(409, f"event {event_id} already has the reviews queue {queue_id} requires") from None
    except LogUnavailableError as error:
        raise unavailable("feedback", error) from None
    if not submitted.created:
        response.status_code = 200
    return submitted


@router.get("/{queue_id}/reviews", response_model=list[reviews.Review], responses=Found)
async def list_reviews(queue_id: str, key: Reader, rt: Rt, event_id: UUID | None = None) -> list[reviews.Review]:
    """Every reviewer's reviews (a `read` key: reviewers see only their own, on the item)."""
    queue = await _queue(rt, key, queue_id)
    return await run_in_threadpool(reviews.find, rt.store, queue, str(event_id) if event_id else None)


@router.get("/{queue_id}/agreement", response_model=Agreement, responses=Found)
async def agreement(queue_id: str, key: Reader, rt: Rt) -> Agreement:
    """Reviewers against each other (kappa, percent agreement), and each asked-about evaluator against the
    reviewers: precision, recall, confusion matrix per day, and a suggested threshold (never applied)."""
    queue = await _queue(rt, key, queue_id)
    found = await run_in_threadpool(reviews.find, rt.store, queue)
    return Agreement(
        reviewers=reviewer_agreement(queue, found),
        evaluators=await run_in_threadpool(evaluator_agreement, rt.store, queue, found),
    )


@router.get(
    "/{queue_id}/export",
    response_class=StreamingResponse,
    responses={
        **Found,
        200: {"description": "The reviewed items, streamed.", "content": {media: {} for media in MEDIA_TYPES.values()}},
    },
)
async def export_reviewed(
    queue_id: str,
    key: Reader,
    rt: Rt,
    columns: Annotated[FlowColumns, Depends(flow_columns)],
    format: Format = "jsonl",
) -> StreamingResponse:
    """The completed items with their ground truth, in any dataset format (`jsonl`, `openai-evals`, `csv`,
    `parquet`), columns renamable as for a dataset export."""
    queue = await _queue(rt, key, queue_id)
    body, count, name = await run_in_threadpool(export, rt.store, queue, format, columns)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Telltale-Item-Count": str(count)}
    return StreamingResponse(body, media_type=MEDIA_TYPES[format], headers=headers)
