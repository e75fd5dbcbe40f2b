"""`disparity.<metric>` for the catalog: per segment, the ratio of its rate to the rest's, so a rule can page when a
group of users is served worse (e.g. ungrounded answers twice as often for Spanish-speaking users)."""

from __future__ import annotations

from collections.abc import Callable

from telltale_server.schemas.store import Store
from telltale_server.services.metrics.disparity import settings
from telltale_server.services.metrics.disparity.compare import split
from telltale_server.services.metrics.measured import Measured
from telltale_server.services.metrics.metric_window import Sample, Window

SEGMENT = "segment"
"""The label of a disparity sample: `language=es`, `plan=free`."""


def ratios(rate: Measured) -> Callable[[Store, Window], list[Sample]]:
    """The ratio segment/rest of `rate` for every segment of every dimension the project watches; samples: the
    segment's observations (None where the rest's rate is 0: no ratio)."""

    def compute(store: Store, window: Window) -> list[Sample]:
        found = []
        for dimension in settings.load(store, window.project_id).dimensions():
            for segment in split(store, rate, window, dimension, min_samples=0).segments:
                found.append(Sample({SEGMENT: segment.name}, segment.comparison.ratio, segment.comparison.samples))
        return found

    return compute
