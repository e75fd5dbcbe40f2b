"""Catalog metrics over time: one point per step, the same computation an alert rule runs on each bucket."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store
from telltale_server.services.metrics.catalog import CATALOG, Filters, Label, Sample, Window, compute_many
from telltale_server.streams.rollups.tail import SharedTails

STEPS = (60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400)
"""Bucket lengths a chart may use, in seconds; they divide a day, so buckets align on the clock."""
MAX_POINTS = 500


class Point(BaseModel):
    at: datetime = Field(description="Start of the bucket.")
    value: float | None = Field(description="Null when the bucket has no observation (a volume is 0 instead).")
    samples: int


class Line(BaseModel):
    labels: dict[str, str]
    points: list[Point]


class Series(BaseModel):
    metric: str
    unit: str
    start: datetime
    end: datetime
    step: int = Field(description="Seconds per bucket.")
    filters: Filters
    group_by: list[Label]
    lines: list[Line]


def pick_step(start: datetime, end: datetime, points: int = 60) -> int:
    """The smallest step that draws the range in at most about `points` buckets."""
    wanted = (end - start).total_seconds() / points
    return next((step for step in STEPS if step >= wanted), STEPS[-1])


def metric_series(
    store: Store,
    metrics: list[str],
    project_id: str,
    start: datetime,
    end: datetime,
    step: int,
    filters: Filters,
    group_by: tuple[Label, ...] = (),
    tails: SharedTails | None = None,
) -> list[Series]:
    """Every bucket of [start, end) per group for each metric, empty buckets included so a chart shows the gaps;
    the metrics are computed side by side (one query for those read from the same rows). With `tails`, the raw
    rows of the range (its partial last minute, minutes not rolled up yet) are measured once for all the
    concurrent reads of the same range (a page's charts)."""
    first = bucket_start(start, step)
    grid = [first + timedelta(seconds=step * i) for i in range(int((end - first).total_seconds() // step) + 1)]
    grid = [at for at in grid if at < end]
    window = Window(project_id, end, (end - first).total_seconds(), filters, group_by, step)
    if tails is None or filters.tags:
        computed = compute_many(store, metrics, window)
    else:
        with tails.use(project_id, first, end) as tail:
            computed = compute_many(store, metrics, replace(window, tail=tail))
    return [_series(metric, computed[metric], first, end, step, filters, group_by, grid) for metric in metrics]


def _series(
    metric: str,
    samples: list[Sample],
    first: datetime,
    end: datetime,
    step: int,
    filters: Filters,
    group_by: tuple[Label, ...],
    grid: list[datetime],
) -> Series:
    empty = 0.0 if CATALOG[metric].kind == "volume" else None
    lines: dict[tuple[str, ...], dict[datetime, Point]] = {}
    for sample in samples:
        key = tuple(sample.labels[label] for label in group_by)
        assert sample.at is not None
        at = sample.at.astimezone(UTC)
        lines.setdefault(key, {})[at] = Point(at=at, value=sample.value, samples=sample.samples)
    if not lines and not group_by:
        lines[()] = {}
    return Series(
        metric=metric,
        unit=CATALOG[metric].unit,
        start=first,
        end=end,
        step=step,
        filters=filters,
        group_by=list(group_by),
        lines=[
            Line(
                labels=dict(zip(group_by, key, strict=True)),
                points=[found.get(at) or Point(at=at, value=empty, samples=0) for at in grid],
            )
            for key, found in sorted(lines.items())
        ],
    )


def bucket_start(moment: datetime, step: int) -> datetime:
    """The start of the bucket holding `moment`, as ClickHouse's toStartOfInterval aligns it (on the epoch)."""
    seconds = int(moment.timestamp())
    return datetime.fromtimestamp(seconds - seconds % step, UTC)
