"""GET /v1/metrics/{name}/series, /v1/series and /v1/labels: catalog metrics per time bucket, and filter values."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from telltale_server.services.api.dependencies import label_filters, require, runtime
from telltale_server.services.api.errors import invalid, responses
from telltale_server.services.api.ranges import From, To, time_range
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.metrics.catalog import CATALOG, Filters, Label
from telltale_server.services.metrics.labels import LabelValues, label_values
from telltale_server.services.metrics.series import MAX_POINTS, STEPS, Series, metric_series, pick_step
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["metrics"], responses=responses(401, 403))
Reader = Annotated[ApiKey, Depends(require("read"))]
Rt = Annotated[Runtime, Depends(runtime)]
Step = Annotated[int | None, Query(description=f"Seconds per bucket, one of {list(STEPS)}; default: ~60 buckets.")]
GroupBy = Annotated[list[Label] | None, Query()]
MAX_METRICS = 16


@router.get("/metrics/{name}/series", response_model=Series, responses=responses(404))
async def series(
    name: str,
    key: Reader,
    rt: Rt,
    filters: Annotated[Filters, Depends(label_filters)],
    start: From = None,
    end: To = None,
    step: Step = None,
    group_by: GroupBy = None,
) -> Series:
    """The metric per bucket of [from, to) (and per group): what the console charts."""
    [found] = await _series(rt, key, [name], filters, start, end, step, group_by)
    return found


@router.get("/series", response_model=list[Series], responses=responses(404))
async def several(
    key: Reader,
    rt: Rt,
    filters: Annotated[Filters, Depends(label_filters)],
    metric: Annotated[list[str], Query(min_length=1, max_length=MAX_METRICS, description="Repeat for each metric.")],
    start: From = None,
    end: To = None,
    step: Step = None,
    group_by: GroupBy = None,
) -> list[Series]:
    """Several metrics' series, computed side by side in one query: a page needs fewer requests (a browser runs six
    at once)."""
    return await _series(rt, key, metric, filters, start, end, step, group_by)


async def _series(
    rt: Runtime,
    key: ApiKey,
    names: list[str],
    filters: Filters,
    start: datetime | None,
    end: datetime | None,
    step: int | None,
    group_by: list[Label] | None,
) -> list[Series]:
    for name in names:
        if name not in CATALOG:
            raise HTTPException(404, f"unknown metric {name!r}; GET /v1/metrics lists them")
        if CATALOG[name].computed is not None:
            raise invalid(("query", "metric"), f"{name} has no series: GET /v1/disparity compares its segments")
    start, end = time_range(start, end)
    if step is None:
        step = pick_step(start, end)
    elif step not in STEPS:
        raise invalid(("query", "step"), f"`step` must be one of {list(STEPS)}")
    if (end - start).total_seconds() / step > MAX_POINTS:
        raise invalid(("query", "step"), f"more than {MAX_POINTS} buckets: use a longer step or a shorter range")
    labels = tuple(dict.fromkeys(group_by or []))
    return await run_in_threadpool(
        metric_series, rt.store, names, key.project_id, start, end, step, filters, labels, rt.tails
    )


@router.get("/labels", response_model=LabelValues)
async def labels(key: Reader, rt: Rt, start: From = None, end: To = None) -> LabelValues:
    """Models, routes, prompt versions, environments and evaluator labels seen in [from, to), `from` taken to the
    start of its minute."""
    start, end = time_range(start, end)
    return await run_in_threadpool(label_values, rt.store, key.project_id, start, end, rt.tails)
