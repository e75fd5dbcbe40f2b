"""GET /v1/inference/{event_id} and /v1/metrics/summary: the stored traffic, read back."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import responses
from telltale_server.services.api.ranges import ANY_LENGTH, From, To, time_range
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.events.deadletters import StoredDeadLetter, recent_dead_letters
from telltale_server.services.events.detail import EventDetail, event_detail
from telltale_server.services.metrics.summary import GroupBy, Summary, summarize
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["read"], responses=responses(401, 403))
Reader = Annotated[ApiKey, Depends(require("read"))]
Rt = Annotated[Runtime, Depends(runtime)]


@router.get("/inference/{event_id}", response_model=EventDetail, responses=responses(404))
async def get_inference(event_id: UUID, key: Reader, rt: Rt) -> EventDetail:
    """One event of the key's project with its feedback and evaluations."""
    detail = await run_in_threadpool(event_detail, rt.store, key.project_id, event_id)
    if detail is None:
        raise HTTPException(404, f"no inference event {event_id} in this project")
    return detail


@router.get("/metrics/summary", response_model=Summary)
async def metrics_summary(
    key: Reader,
    rt: Rt,
    start: From = None,
    end: To = None,
    group_by: GroupBy | None = None,
) -> Summary:
    """Volume, error rate, latency p50/p95/p99, tokens, cost and feedback, optionally per group."""
    start, end = time_range(start, end, longest=ANY_LENGTH)
    return await run_in_threadpool(summarize, rt.store, key.project_id, start, end, group_by)


@router.get("/dead-letters", response_model=list[StoredDeadLetter])
async def dead_letters(
    key: Reader,
    rt: Rt,
    kind: Literal["inference", "feedback"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[StoredDeadLetter]:
    """The newest refused items of the key's project, with the reason and the bytes as they came."""
    return await run_in_threadpool(recent_dead_letters, rt.store, key.project_id, limit, kind)
