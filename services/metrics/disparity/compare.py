"""A rate metric of the catalog per segment against the rest of the traffic, with the metric's own definition.

Each segment's numbers are the metric's measures over its calls (a condition on the calls, read from raw rows);
the rest is the whole window less the segment, from the same query so both see the same rows. Only rate metrics
(a count over `samples`) can be split this way."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from telltale_server.schemas.store import Store
from telltale_server.services.metrics.disparity import segments
from telltale_server.services.metrics.disparity.intervals import MIN_SAMPLES, Comparison, compare
from telltale_server.services.metrics.measured import Measured, measured_sql
from telltale_server.services.metrics.metric_window import Window


@dataclass(frozen=True)
class Segment:
    """One group of users (a dimension's value) and how it compares with everyone else."""

    dimension: str
    value: str
    comparison: Comparison

    @property
    def name(self) -> str:
        """`language=es`, `plan=free`: the segment's label on an alert."""
        return f"{self.dimension}={self.value}"


@dataclass(frozen=True)
class Split:
    """The window's overall count and samples, and each segment beside the rest."""

    count: int
    samples: int
    segments: list[Segment]


def split(
    store: Store,
    rate: Measured,
    window: Window,
    dimension: str,
    min_samples: int = MIN_SAMPLES,
    top: int = segments.TOP,
) -> Split:
    """The rate per segment of `dimension` (its `top` busiest values in the window) against the rest; a segment
    none of whose calls has an observation of the rate is left out."""
    whole = replace(window, group_by=(), step=None, calls="", calls_params={})
    found = segments.values(store, whole, dimension, top)
    parts, params = [], {}
    for i, value in enumerate([None, *found]):
        part = whole
        if value is not None:
            where, more = segments.condition(whole, dimension, value, f"s{i}")
            part = replace(whole, calls=where, calls_params=more)
        sql, more = measured_sql(store, [rate], replace(part, raw=True))
        parts.append(f"SELECT {i} AS part_index, value_0 AS value, samples_0 AS samples FROM ({sql})")
        params.update(more)
    rows = {row["part_index"]: row for row in store.rows(" UNION ALL ".join(parts), params)}
    count, samples = _counted(rows.get(0))
    result = []
    for i, value in enumerate(found, start=1):
        seg_count, seg_samples = _counted(rows.get(i))
        if not seg_samples:
            continue  # none of the segment's calls has this metric (e.g. no passages to ground an answer in)
        rest_count, rest_samples = max(0, count - seg_count), max(0, samples - seg_samples)
        result.append(Segment(dimension, value, compare(seg_count, seg_samples, rest_count, rest_samples, min_samples)))
    return Split(count, samples, result)


def _counted(row: dict[str, Any] | None) -> tuple[int, int]:
    """(count, samples) of a rate's row: the rate times its samples."""
    if row is None or not row["samples"]:
        return 0, 0
    value = row["value"]
    samples = int(row["samples"])
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0, samples
    return round(float(value) * samples), samples
