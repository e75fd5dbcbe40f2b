"""GET /v1/metrics and /v1/metrics/{name}: the alerting metric catalog, queried like a rule would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from telltale_server.services.alerts.catalog import CATALOG, Filters, Label, Window, compute
from telltale_server.services.alerts.durations import parse
from telltale_server.services.api.dependencies import label_filters, require, runtime
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["metrics"])
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


@router.get("/metrics/{name}", response_model=MetricResult)
async def query(
    name: str,
    key: Reader,
    rt: Rt,
    filters: Annotated[Filters, Depends(label_filters)],
    start: Annotated[datetime | None, Query(alias="from", description="Start; default: `to` minus `window`.")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="End (exclusive); default: now.")] = None,
    window: Annotated[str, Query(description="Length when `from` is not given, e.g. 5m.")] = "5m",
    group_by: Annotated[list[Label] | None, Query()] = None,
) -> MetricResult:
    """The metric over [from, to), per group: the same computation an alert rule runs."""
    if name not in CATALOG:
        raise HTTPException(404, f"unknown metric {name!r}; GET /v1/metrics lists them")
    end = _utc(end) if end else datetime.now(UTC)
    try:
        start = _utc(start) if start else end - timedelta(seconds=parse(window))
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    if start >= end:
        raise HTTPException(422, "`from` must be before `to`")
    labels = tuple(dict.fromkeys(group_by or []))
    frame = Window(key.project_id, end, (end - start).total_seconds(), filters, labels)
    samples = await run_in_threadpool(compute, rt.store, name, frame)
    groups = [MetricSample(labels=s.labels, value=s.value, samples=s.samples) for s in samples]
    return MetricResult(metric=name, start=start, end=end, group_by=list(labels), filters=filters, groups=groups)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
