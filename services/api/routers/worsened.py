"""GET /v1/metrics/worsened: the segments whose health metrics got worse than in the previous period."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from telltale_server.schemas.times import EARLIEST
from telltale_server.services.api.dependencies import label_filters, require, runtime
from telltale_server.services.api.errors import invalid, responses
from telltale_server.services.api.ranges import MAX_RANGE, From, To, time_range
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.metrics.catalog import Filters, Label
from telltale_server.services.metrics.worsened import WATCHED, Worsened, worsened
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["metrics"], responses=responses(401, 403))


@router.get("/metrics/worsened", response_model=Worsened)
async def worse_segments(
    key: Annotated[ApiKey, Depends(require("read"))],
    rt: Annotated[Runtime, Depends(runtime)],
    filters: Annotated[Filters, Depends(label_filters)],
    start: From = None,
    end: To = None,
    group_by: Annotated[
        list[Label] | None, Query(max_length=4, description="Each label's segments alone; default model and route.")
    ] = None,
    metric: Annotated[
        list[str] | None, Query(max_length=len(WATCHED), description=f"Default: all of {sorted(WATCHED)}.")
    ] = None,
    min_samples: Annotated[int, Query(ge=1, le=1_000_000, description="In each period, per segment.")] = 20,
) -> Worsened:
    """Each segment's metrics over [from, to) (default: the last hour) against the period of the same length just
    before it; the ones that moved the bad way past their thresholds, worst first."""
    start, end = time_range(start, end, before=timedelta(hours=1), longest=MAX_RANGE)
    if start - (end - start) < EARLIEST:
        raise invalid(("query", "from"), f"the period before [from, to) would start before {EARLIEST.isoformat()}")
    unknown = [name for name in metric or [] if name not in WATCHED]
    if unknown:
        raise invalid(("query", "metric"), f"not compared: {unknown}; one of {sorted(WATCHED)}")
    labels = tuple(dict.fromkeys(group_by or ("model", "route")))
    names = tuple(dict.fromkeys(metric or WATCHED))
    return await run_in_threadpool(worsened, rt.store, key.project_id, start, end, filters, labels, names, min_samples)
