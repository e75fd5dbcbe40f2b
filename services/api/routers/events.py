"""GET /v1/inference: the project's events, searched and filtered, newest first, a page at a time; and one by id."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from telltale_server.services.api.dependencies import label_filters, require, runtime
from telltale_server.services.api.errors import invalid, invalid_body, responses
from telltale_server.services.api.ranges import From, To, time_range
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.events.detail import EventDetail, event_detail
from telltale_server.services.events.search import (
    EventPage,
    EventQuery,
    Feedback,
    parse_cursor,
    parse_label,
    search_events,
)
from telltale_server.services.metrics.catalog import Filters
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["read"], responses=responses(401, 403))
Reader = Annotated[ApiKey, Depends(require("read"))]
Rt = Annotated[Runtime, Depends(runtime)]


@router.get("/inference", response_model=EventPage)
async def list_inference(
    key: Reader,
    rt: Rt,
    filters: Annotated[Filters, Depends(label_filters)],
    start: From = None,
    end: To = None,
    q: Annotated[str, Query(max_length=200, description="Text in the input or output, an event id or trace id.")] = "",
    status: Literal["ok", "error"] | None = None,
    label: Annotated[
        list[str] | None,
        Query(
            description="`evaluator.metric:label` (e.g. safety.pii.output:pii, groundedness.score:ungrounded) or "
            "`evaluator:label` (any metric); repeat for all of them."
        ),
    ] = None,
    feedback: Annotated[
        Feedback | None, Query(description="any, negative or none (feedback that names the event by id).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=64, description="`next_cursor` of the previous page.")] = None,
) -> EventPage:
    """A page of events with their evaluator labels and feedback counts; follow `next_cursor` for older ones."""
    start, end = time_range(start, end)
    try:
        for pair in label or []:
            parse_label(pair)
    except ValueError as error:
        raise invalid(("query", "label"), str(error)) from None
    try:
        parse_cursor(cursor) if cursor else None
    except ValueError as error:
        raise invalid(("query", "cursor"), str(error)) from None
    try:
        query = EventQuery(
            start=start,
            end=end,
            filters=filters,
            text=q,
            status=status,
            labels=label or [],
            feedback=feedback,
            limit=limit,
            cursor=cursor,
        )
    except ValidationError as error:
        raise invalid_body(error, "query") from None
    return await run_in_threadpool(search_events, rt.store, key.project_id, query)


@router.get("/inference/{event_id}", response_model=EventDetail, responses=responses(404))
async def get_inference(event_id: UUID, key: Reader, rt: Rt) -> EventDetail:
    """One event of the key's project with its feedback and evaluations."""
    detail = await run_in_threadpool(event_detail, rt.store, key.project_id, event_id)
    if detail is None:
        raise HTTPException(404, f"no inference event {event_id} in this project")
    return detail
