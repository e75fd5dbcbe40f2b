"""GET /v1/metrics and /v1/metrics/{name}: the alerting metric catalog, queried like a rule would."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from telltale_server.schemas.durations import parse
from telltale_server.services.api.dependencies import label_filters, require, runtime
from telltale_server.services.api.errors import invalid, responses
from telltale_server.services.api.paths import METRIC_NAME
from telltale_server.services.api.ranges import ANY_LENGTH, From, To, time_range
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.metrics.catalog import CATALOG, Filters, Label, Window, compute
from telltale_server.services.metrics.summary import GroupBy, Summary, summarize
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["metrics"], responses=responses(401, 403))
Reader = Annotated[ApiKey, Depends(require("read"))]
Rt = Annotated[Runtime, Depends(runtime)]


class MetricInfo(BaseModel):
    name: str
    unit: str
    kind: str
    description: str


class MetricSample(BaseModel):
    labels: dict[str, str]
    value: float | None
    samples: int


class MetricResult(BaseModel):
    metric: str
    start: datetime
    end: datetime
    group_by: list[Label]
    filters: Filters
    groups: list[MetricSample]


@router.get("/metrics", response_model=list[MetricInfo])
async def catalog(key: Reader) -> list[MetricInfo]:
    """Every metric rules and charts can use, with its definition."""
    return [MetricInfo(name=m.name, unit=m.unit, kind=m.kind, description=m.description) for m in CATALOG.values()]


@router.get("/metrics/summary", response_model=Summary)
async def summary(
    key: Reader,
    rt: Rt,
    start: From = None,
    end: To = None,
    group_by: GroupBy | None = None,
) -> Summary:
    """Volume, error rate, latency p50/p95/p99, tokens, cost and feedback, optionally per group."""
    start, end = time_range(start, end, longest=ANY_LENGTH)
    return await run_in_threadpool(summarize, rt.store, key.project_id, start, end, group_by)


@router.get(f"/metrics/{{name:{METRIC_NAME}}}", response_model=MetricResult, responses=responses(404))
async def query(
    name: str,
    key: Reader,
    rt: Rt,
    filters: Annotated[Filters, Depends(label_filters)],
    start: From = None,
    end: To = None,
    window: Annotated[str, Query(description="Length when `from` is not given, e.g. 5m.")] = "5m",
    group_by: Annotated[list[Label] | None, Query()] = None,
) -> MetricResult:
    """The metric over [from, to), per group: the same computation an alert rule runs."""
    if name not in CATALOG:
        raise HTTPException(404, f"unknown metric {name!r}; GET /v1/metrics lists them")
    try:
        length = timedelta(seconds=parse(window))
    except ValueError as error:
        raise invalid(("query", "window"), str(error)) from None
    start, end = time_range(start, end, before=length, longest=ANY_LENGTH)
    labels = tuple(dict.fromkeys(group_by or []))
    if labels and CATALOG[name].computed is not None:
        raise invalid(("query", "group_by"), f"{name} is grouped by segment: leave group_by out")
    frame = Window(key.project_id, end, (end - start).total_seconds(), filters, labels)
    samples = await run_in_threadpool(compute, rt.store, name, frame)
    groups = [MetricSample(labels=s.labels, value=s.value, samples=s.samples) for s in samples]
    return MetricResult(metric=name, start=start, end=end, group_by=list(labels), filters=filters, groups=groups)
