"""/v1/datasets: curate stored traffic into versioned datasets, annotate items, and stream exports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import invalid, responses
from telltale_server.services.api.flow_columns import flow_columns
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.datasets import draft, items, preview
from telltale_server.services.datasets.catalog import DatasetCatalog
from telltale_server.services.datasets.continuous import JOB
from telltale_server.services.datasets.export.formats import EXTENSIONS, MEDIA_TYPES, WRITERS, Format
from telltale_server.services.datasets.export.records import FlowColumns
from telltale_server.services.datasets.spec import Dataset, DatasetSpec
from telltale_server.services.datasets.spec import Query as Curation
from telltale_server.services.datasets.versions import Diff, Version, diff, freeze, versions
from telltale_server.services.runtime import Runtime
from telltale_server.streams.health import HealthLog

router = APIRouter(prefix="/v1/datasets", tags=["datasets"], responses=responses(401, 403))
Found = responses(404)
Reader = Annotated[ApiKey, Depends(require("read"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
Rt = Annotated[Runtime, Depends(runtime)]
VersionRef = Annotated[str, Path(pattern=r"^(latest|draft|\d{1,9})$", description="A number, `latest` or `draft`.")]
MAX_EVENT_IDS = 1000


class EventIds(BaseModel):
    event_ids: list[UUID] = Field(min_length=1, max_length=MAX_EVENT_IDS)


class Added(BaseModel):
    added: int = Field(description="Items added to the draft (events already there or unknown are skipped).")


class Matching(BaseModel):
    matching: int = Field(description="Events the query selects now, before sampling and dedup.")


class ItemPage(BaseModel):
    items: list[items.Item]
    next_after: int | None = Field(description="Pass as `after` for the next page; null at the end.")


async def _dataset(rt: Runtime, key: ApiKey, dataset_id: str) -> Dataset:
    found = await run_in_threadpool(DatasetCatalog(rt.store).get, key.project_id, dataset_id)
    if found is None:
        raise HTTPException(404, f"no dataset {dataset_id} in this project")
    return found


async def _version(rt: Runtime, key: ApiKey, dataset_id: str, ref: str) -> int:
    """A version number from `latest`, `draft` (0) or a number, checked to exist in this project."""
    return (await _sized(rt, key, dataset_id, ref))[0]


async def _sized(rt: Runtime, key: ApiKey, dataset_id: str, ref: str) -> tuple[int, int]:
    """(version number, item count) of `ref` in this project's dataset, or 404."""
    await _dataset(rt, key, dataset_id)
    if ref == "draft":
        return 0, (await run_in_threadpool(draft.draft_size, rt.store, key.project_id, dataset_id))[0]
    found = await run_in_threadpool(
        versions, rt.store, key.project_id, dataset_id, None if ref == "latest" else int(ref)
    )
    if not found:
        raise HTTPException(404, f"dataset {dataset_id} has no version {ref}")
    return found[-1].version, found[-1].item_count


@router.get("", response_model=list[Dataset])
async def list_datasets(key: Reader, rt: Rt) -> list[Dataset]:
    """The project's datasets, each with curation's last error on it."""
    found = await run_in_threadpool(DatasetCatalog(rt.store).of_project, key.project_id)
    return await _with_errors(rt, key, found)


@router.post("", response_model=Dataset, status_code=201)
async def create_dataset(spec: DatasetSpec, key: Admin, rt: Rt) -> Dataset:
    return await run_in_threadpool(DatasetCatalog(rt.store).save, key.project_id, spec)


@router.post("/preview", response_model=Matching)
async def preview_query(query: Curation, key: Reader, rt: Rt) -> Matching:
    """How many stored events a spec's `query` matches now: check a spec before saving it."""
    count = await run_in_threadpool(preview.matching, rt.store, key.project_id, query, datetime.now(UTC))
    return Matching(matching=count)


@router.get("/{dataset_id}", response_model=Dataset, responses=Found)
async def get_dataset(dataset_id: str, key: Reader, rt: Rt) -> Dataset:
    return (await _with_errors(rt, key, [await _dataset(rt, key, dataset_id)]))[0]


async def _with_errors(rt: Runtime, key: ApiKey, datasets: list[Dataset]) -> list[Dataset]:
    errors = await run_in_threadpool(HealthLog(rt.store, JOB).errors, key.project_id)
    return [dataset.model_copy(update={"last_error": errors.get(dataset.id)}) for dataset in datasets]


@router.put("/{dataset_id}", response_model=Dataset, responses=Found)
async def replace_dataset(dataset_id: str, spec: DatasetSpec, key: Admin, rt: Rt) -> Dataset:
    """Replace the spec; frozen versions keep the spec they were made with."""
    await _dataset(rt, key, dataset_id)
    return await run_in_threadpool(DatasetCatalog(rt.store).save, key.project_id, spec, dataset_id)


@router.delete("/{dataset_id}", status_code=204, responses=Found)
async def delete_dataset(dataset_id: str, key: Admin, rt: Rt) -> Response:
    if not await run_in_threadpool(DatasetCatalog(rt.store).delete, key.project_id, dataset_id):
        raise HTTPException(404, f"no dataset {dataset_id} in this project")
    return Response(status_code=204)


@router.post("/{dataset_id}/versions", response_model=Version, status_code=201, responses=Found)
async def freeze_version(dataset_id: str, key: Admin, rt: Rt) -> Version:
    """Materialise a new immutable version now (a continuous dataset freezes its refreshed draft)."""
    dataset = await _dataset(rt, key, dataset_id)
    return await run_in_threadpool(freeze, rt.store, dataset, f"key:{key.key_id}")


@router.get("/{dataset_id}/versions", response_model=list[Version], responses=Found)
async def list_versions(dataset_id: str, key: Reader, rt: Rt) -> list[Version]:
    await _dataset(rt, key, dataset_id)
    return await run_in_threadpool(versions, rt.store, key.project_id, dataset_id)


@router.get("/{dataset_id}/versions/{ref}", response_model=Version, responses=Found)
async def get_version(dataset_id: str, ref: VersionRef, key: Reader, rt: Rt) -> Version:
    if ref == "draft":
        raise invalid(("path", "ref"), "the draft is not a version; read its items at /versions/draft/items")
    number = await _version(rt, key, dataset_id, ref)
    return (await run_in_threadpool(versions, rt.store, key.project_id, dataset_id, number))[0]


@router.get("/{dataset_id}/versions/{ref}/items", response_model=ItemPage, responses=Found)
async def list_items(
    dataset_id: str,
    ref: VersionRef,
    key: Reader,
    rt: Rt,
    after: Annotated[int, Query(ge=-1, description="Items after this position.")] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ItemPage:
    """A page of a version's (or the draft's) items, each naming the event it was copied from."""
    number = await _version(rt, key, dataset_id, ref)
    page = await run_in_threadpool(
        lambda: next(items.pages(rt.store, key.project_id, dataset_id, number, limit, after), [])
    )
    return ItemPage(
        items=[items.to_item(row) for row in page], next_after=page[-1]["position"] if len(page) == limit else None
    )


@router.get("/{dataset_id}/versions/{ref}/diff", response_model=Diff, responses=Found)
async def diff_versions(
    dataset_id: str,
    ref: VersionRef,
    key: Reader,
    rt: Rt,
    against: Annotated[int | None, Query(ge=0, description="Default: the version before.")] = None,
    limit: Annotated[int, Query(ge=0, le=100_000)] = 1000,
) -> Diff:
    """Items added, removed or changed since `against` (version 0 is the draft, an empty start for v1)."""
    number = await _version(rt, key, dataset_id, ref)
    base = max(number - 1, 0) if against is None else against
    if base:
        await _version(rt, key, dataset_id, str(base))
    return await run_in_threadpool(diff, rt.store, key.project_id, dataset_id, number, base, limit)


@router.get(
    "/{dataset_id}/versions/{ref}/export",
    response_class=StreamingResponse,
    responses={
        **Found,
        200: {"description": "The items, streamed.", "content": {media: {} for media in MEDIA_TYPES.values()}},
    },
)
async def export_version(
    dataset_id: str,
    ref: VersionRef,
    key: Reader,
    rt: Rt,
    columns: Annotated[FlowColumns, Depends(flow_columns)],
    format: Format = "jsonl",
) -> StreamingResponse:
    """Stream the items as `jsonl` (flow inputs, renamable), `openai-evals`, `csv` or `parquet`, page by page."""
    number, count = await _sized(rt, key, dataset_id, ref)
    body = WRITERS[format](items.pages(rt.store, key.project_id, dataset_id, number), columns)
    name = f"{dataset_id}-{'draft' if number == 0 else f'v{number}'}.{EXTENSIONS[format]}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Telltale-Item-Count": str(count)}
    return StreamingResponse(body, media_type=MEDIA_TYPES[format], headers=headers)


@router.post("/{dataset_id}/items", response_model=Added, responses=Found)
async def add_items(dataset_id: str, body: EventIds, key: Admin, rt: Rt) -> Added:
    """Add events by id to the draft; the next version includes them."""
    dataset = await _dataset(rt, key, dataset_id)
    ids = [str(event_id) for event_id in body.event_ids]
    return Added(added=await run_in_threadpool(draft.add_events, rt.store, dataset, ids))


@router.post("/{dataset_id}/draft/refresh", response_model=Added, responses=Found)
async def refresh_draft(dataset_id: str, key: Admin, rt: Rt) -> Added:
    """Append the matching events the draft lacks now, rather than at the curation job's next pass."""
    dataset = await _dataset(rt, key, dataset_id)
    return Added(added=await run_in_threadpool(draft.append, rt.store, dataset))


@router.put("/{dataset_id}/items/{event_id}/annotation", response_model=draft.Annotation, responses=Found)
async def annotate_item(
    dataset_id: str, event_id: UUID, annotation: draft.Annotation, key: Admin, rt: Rt
) -> draft.Annotation:
    """Label, note and corrected answer for an item; copied into the next version (frozen ones never change)."""
    dataset = await _dataset(rt, key, dataset_id)
    if not await run_in_threadpool(items.contains, rt.store, key.project_id, dataset_id, str(event_id)):
        raise HTTPException(404, f"event {event_id} is not an item of dataset {dataset_id}")
    return await run_in_threadpool(draft.annotate, rt.store, dataset, str(event_id), annotation, f"key:{key.key_id}")
