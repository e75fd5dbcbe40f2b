"""Metrics as final expressions over the per-minute measures, read from rollups and raw edges alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telltale_server.schemas.store import Store
from telltale_server.services.metrics.metric_window import LABELS, Window
from telltale_server.streams.rollups import reader
from telltale_server.streams.rollups.measures import LATENCY_BINS_PER_E, ZERO_BIN, sources_of
from telltale_server.streams.rollups.reader import Segment


@dataclass(frozen=True)
class Measured:
    """A metric as final expressions over the per-minute measures (streams/rollups/measures.py).

    `value` and `samples` merge measure rows (e.g. `sum(errors) / sum(calls)`); `present` says whether a group
    has anything to report, as a raw query's GROUP BY would have had rows for it."""

    value: str
    samples: str
    present: str
    lookback: timedelta | None = None
    """Also read this much before the window, as `part = 1` rows (the value must leave them out)."""


def measured_sql(store: Store, metrics: list[Measured], window: Window) -> tuple[str, dict[str, Any]]:
    """Metrics sharing a lookback, per group (and bucket), side by side in one query: `value_i`, `samples_i` and
    `present_i` for the i-th. Rollups for settled whole minutes, raw rows for the rest."""
    lookback = metrics[0].lookback
    assert all(m.lookback == lookback for m in metrics), "one query reads one set of segments"
    segments = [Segment(window.start, window.end)]
    if lookback and not window.step:
        segments.append(Segment(window.start - lookback, window.start, part=1))
    needed = sources_of(*(f"{m.value} {m.samples} {m.present}" for m in metrics))
    source, params = reader.source(
        store,
        window.project_id,
        segments,
        window.filters.tags,
        rollups=not window.raw,
        unsettled=window.unsettled,
        sources=needed,
        tail=window.tail,
    )
    filters = [f"{label} IN {{f_{label}:Array(String)}}" for label in LABELS if getattr(window.filters, label)]
    for label in LABELS:
        if values := getattr(window.filters, label):
            params[f"f_{label}"] = values
    keys: list[str] = list(window.group_by)
    columns = list(keys)
    if window.step:
        columns.append("toStartOfInterval(minute, toIntervalSecond({step:UInt32})) AS bucket")
        keys.append("bucket")
        params["step"] = window.step
    for i, metric in enumerate(metrics):
        columns += [
            f"{metric.value} AS value_{i}",
            f"{metric.samples} AS samples_{i}",
            f"{metric.present} AS present_{i}",
        ]
    sql = f"SELECT {', '.join(columns)} FROM ({source}) {'WHERE ' + ' AND '.join(filters) if filters else ''}"
    if keys:
        sql += f" GROUP BY {', '.join(keys)}"
    return sql, params


def quantile(q: float) -> str:
    """The q-quantile of latency from the merged bins, interpolated linearly between ranks (numpy's default).

    A rank's value is its bin's centre, kept within the exact minimum and maximum: within 0.5% of the exact
    percentile, and exact for a single value."""
    bins, n = "sumMap(latency_bins)", "sum(timed)"
    rank = f"({q} * ({n} - 1))"

    def at(position: str) -> str:
        first = f"arrayFirst((k, c) -> c > {position}, mapKeys({bins}), arrayCumSum(mapValues({bins})))"
        centre = f"(exp({first} / {LATENCY_BINS_PER_E}) * ({first} != {ZERO_BIN}))"
        return f"least(greatest({centre}, min(latency_min)), max(latency_max))"

    low, high = at(f"floor({rank})"), at(f"ceil({rank})")
    return f"if({n} = 0, nan, {low} + ({high} - {low}) * ({rank} - floor({rank})))"
