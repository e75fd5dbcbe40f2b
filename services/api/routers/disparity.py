"""GET /v1/disparity and GET/PUT /v1/disparity/settings: how each group of users is served against the rest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from telltale_server.schemas.durations import parse
from telltale_server.services.api.dependencies import label_filters, require, runtime
from telltale_server.services.api.errors import invalid, responses
from telltale_server.services.api.ranges import ANY_LENGTH, From, To, time_range
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.metrics.catalog import CATALOG, Filters, Window
from telltale_server.services.metrics.disparity import settings
from telltale_server.services.metrics.disparity.compare import Split, split
from telltale_server.services.metrics.disparity.intervals import MIN_SAMPLES, Interval, Verdict
from telltale_server.services.metrics.disparity.settings import DisparitySettings
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["disparity"], responses=responses(401, 403))
Rt = Annotated[Runtime, Depends(runtime)]
RATES = tuple(m.name for m in CATALOG.values() if m.kind == "rate")
"""The metrics a segment can be compared on: the catalog's rates (quality, safety, feedback, errors)."""


class Bounds(BaseModel):
    """A 95% confidence interval."""

    low: float
    high: float


class SegmentResult(BaseModel):
    """One group against the rest of the traffic."""

    segment: str = Field(
        description="The dimension's value: a language code (`es`, `und`: undetermined) or an attribute's value."
    )
    rate: float | None
    rate_ci: Bounds | None = Field(description="Wilson 95% interval.")
    samples: int
    rest_rate: float | None = Field(description="The metric over every other call of the window.")
    rest_ci: Bounds | None
    rest_samples: int
    ratio: float | None = Field(description="rate / rest_rate; null when the rest's rate is 0.")
    ratio_ci: Bounds | None
    difference: float | None = Field(description="rate - rest_rate.")
    difference_ci: Bounds | None = Field(description="Newcombe's hybrid score 95% interval.")
    verdict: Verdict = Field(
        description="higher / lower: the difference's interval lies above / below 0; similar: it spans 0; "
        "insufficient_data: fewer than min_samples observations in the segment or in the rest."
    )


class DisparityResult(BaseModel):
    """A metric per group of one dimension, over the range."""

    metric: str
    by: str
    start: datetime
    end: datetime
    min_samples: int
    filters: Filters
    rate: float | None = Field(description="The metric over the whole window.")
    samples: int
    segments: list[SegmentResult]


@router.get("/disparity", response_model=DisparityResult)
async def disparity(
    key: Annotated[ApiKey, Depends(require("read"))],
    rt: Rt,
    filters: Annotated[Filters, Depends(label_filters)],
    metric: Annotated[str, Query(description=f"A rate of the catalog: one of {list(RATES)}.")],
    by: Annotated[str, Query(description="`language`, or an attribute the project watches.")] = settings.LANGUAGE,
    start: From = None,
    end: To = None,
    window: Annotated[str, Query(description="Length when `from` is not given, e.g. 1h.")] = "1h",
    min_samples: Annotated[int, Query(ge=1, le=1_000_000, description="Fewer on a side: no verdict.")] = MIN_SAMPLES,
) -> DisparityResult:
    """The metric per segment of `by` (its 10 busiest values) against the rest of the traffic over [from, to)."""
    if metric not in RATES:
        raise invalid(("query", "metric"), f"not a rate of the catalog: {metric!r}; one of {list(RATES)}")
    try:
        length = timedelta(seconds=parse(window))
    except ValueError as error:
        raise invalid(("query", "window"), str(error)) from None
    watched = await run_in_threadpool(settings.load, rt.store, key.project_id)
    if by not in watched.dimensions():
        raise invalid(
            ("query", "by"), f"not watched: {by!r}; one of {watched.dimensions()} (PUT /v1/disparity/settings)"
        )
    start, end = time_range(start, end, before=length, longest=ANY_LENGTH)
    frame = Window(key.project_id, end, (end - start).total_seconds(), filters, ())
    rate = CATALOG[metric].measured
    assert rate is not None
    found = await run_in_threadpool(split, rt.store, rate, frame, by, min_samples)
    return _result(metric, by, start, end, min_samples, filters, found)


@router.get("/disparity/settings", response_model=DisparitySettings)
async def get_settings(key: Annotated[ApiKey, Depends(require("read"))], rt: Rt) -> DisparitySettings:
    """The attributes the project watches (the detected language is always watched)."""
    return await run_in_threadpool(settings.load, rt.store, key.project_id)


@router.put("/disparity/settings", response_model=DisparitySettings)
async def put_settings(
    body: DisparitySettings, key: Annotated[ApiKey, Depends(require("admin"))], rt: Rt
) -> DisparitySettings:
    """Choose the attributes to watch, e.g. `{"attributes": ["plan", "locale"]}`; applies to the next read."""
    await run_in_threadpool(settings.save, rt.store, key.project_id, body)
    return body


def _bounds(interval: Interval | None) -> Bounds | None:
    return None if interval is None else Bounds(low=interval.low, high=interval.high)


def _result(
    metric: str, by: str, start: datetime, end: datetime, min_samples: int, filters: Filters, found: Split
) -> DisparityResult:
    segments = [
        SegmentResult(
            segment=s.value,
            rate=c.rate,
            rate_ci=_bounds(c.rate_ci),
            samples=c.samples,
            rest_rate=c.rest_rate,
            rest_ci=_bounds(c.rest_ci),
            rest_samples=c.rest_samples,
            ratio=c.ratio,
            ratio_ci=_bounds(c.ratio_ci),
            difference=c.difference,
            difference_ci=_bounds(c.difference_ci),
            verdict=c.verdict,
        )
        for s in found.segments
        for c in (s.comparison,)
    ]
    return DisparityResult(
        metric=metric,
        by=by,
        start=start,
        end=end,
        min_samples=min_samples,
        filters=filters,
        rate=found.count / found.samples if found.samples else None,
        samples=found.samples,
        segments=segments,
    )
