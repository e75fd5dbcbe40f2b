"""Which segments got worse: each model's and route's health metrics against the previous period of the same length.

What the overview leads with: a segment is listed when a metric moved the bad way by at least its `least_change`
(in the metric's unit) and its `least_ratio` (relative to before), with enough samples in both periods to mean it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store
from telltale_server.services.metrics.catalog import CATALOG, Filters, Label, Sample, Window, compute_many


@dataclass(frozen=True)
class Watched:
    """A catalog metric with a bad direction, and how far it must move that way to count as worse."""

    metric: str
    higher_is_worse: bool
    least_change: float
    least_ratio: float = 0.25


WATCHED = {
    w.metric: w
    for w in (
        Watched("error.rate", True, 0.02),
        Watched("latency.p95", True, 50.0),
        Watched("groundedness.mean", False, 0.05, 0.05),
        Watched("groundedness.ungrounded_rate", True, 0.05),
        Watched("groundedness.refusal_rate", True, 0.05),
        Watched("safety.toxicity.rate", True, 0.02),
        Watched("safety.pii.rate", True, 0.02),
        Watched("safety.injection.rate", True, 0.02),
        Watched("feedback.negative_rate", True, 0.05),
    )
}
"""The metrics compared, by name: rates and scores by points, latency by milliseconds, each also by 25% (5% for
the groundedness score, whose normal range is narrow)."""


class WorseSegment(BaseModel):
    """One segment and metric that moved the bad way."""

    label: Label = Field(description="The segment's label: `model` or `route` by default.")
    value: str = Field(description="The segment: the label's value.")
    metric: str
    unit: str
    previous: float
    current: float
    change: float = Field(description="current - previous, in the metric's unit.")
    ratio: float | None = Field(description="change / previous; null when previous is 0.")
    previous_samples: int
    current_samples: int
    severity: float = Field(description="How many times its least change the metric moved: the list's order.")


class Worsened(BaseModel):
    """The segments that got worse in [start, end) against [previous_start, start)."""

    start: datetime
    end: datetime
    previous_start: datetime
    min_samples: int
    segments: list[WorseSegment]


def worsened(
    store: Store,
    project_id: str,
    start: datetime,
    end: datetime,
    filters: Filters,
    labels: tuple[Label, ...],
    metrics: tuple[str, ...],
    min_samples: int,
) -> Worsened:
    """Each label's segments, each metric computed over both periods side by side; the worse ones, worst first."""
    seconds = (end - start).total_seconds()
    found: list[WorseSegment] = []
    for label in labels:
        now = compute_many(store, list(metrics), Window(project_id, end, seconds, filters, (label,)))
        before = compute_many(store, list(metrics), Window(project_id, start, seconds, filters, (label,)))
        for metric in metrics:
            earlier = {s.labels[label]: s for s in before[metric]}
            for sample in now[metric]:
                segment = _compare(WATCHED[metric], label, sample, earlier.get(sample.labels[label]), min_samples)
                if segment is not None:
                    found.append(segment)
    found.sort(key=lambda s: (-s.severity, s.label, s.value, s.metric))
    return Worsened(start=start, end=end, previous_start=start - (end - start), min_samples=min_samples, segments=found)


def _compare(
    watched: Watched, label: Label, current: Sample, previous: Sample | None, min_samples: int
) -> WorseSegment | None:
    """The segment if it moved the bad way by both thresholds on enough samples in each period, else None."""
    if previous is None or current.value is None or previous.value is None:
        return None
    if min(current.samples, previous.samples) < min_samples:
        return None
    change = current.value - previous.value
    bad = change if watched.higher_is_worse else -change
    ratio = change / previous.value if previous.value else None
    if bad < watched.least_change or (ratio is not None and abs(ratio) < watched.least_ratio):
        return None
    return WorseSegment(
        label=label,
        value=current.labels[label],
        metric=watched.metric,
        unit=CATALOG[watched.metric].unit,
        previous=previous.value,
        current=current.value,
        change=change,
        ratio=ratio,
        previous_samples=previous.samples,
        current_samples=current.samples,
        severity=round(bad / watched.least_change, 3),
    )
