"""The label values seen in a time range: what the console's and Grafana's filters offer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from telltale_server.schemas.store import Store
from telltale_server.services.metrics.catalog import LABELS
from telltale_server.services.metrics.series import bucket_start, pick_step
from telltale_server.streams.rollups import reader
from telltale_server.streams.rollups.measures import sources_of
from telltale_server.streams.rollups.reader import Segment, Tail
from telltale_server.streams.rollups.tail import SharedTails


class LabelValues(BaseModel):
    model: list[str]
    route: list[str]
    prompt_version: list[str]
    environment: list[str]
    evaluator_labels: list[str]
    """`evaluator.metric:label` pairs found by the evaluators: the metric says what the label is about (the
    input, the output or the passages for the safety evaluators), e.g. `safety.pii.output:pii`,
    `groundedness.score:ungrounded`; an evaluator's failures read `evaluator.error:error`."""


def label_values(
    store: Store, project_id: str, start: datetime, end: datetime, tails: SharedTails | None = None
) -> LabelValues:
    """Distinct values per label, sorted, from the rollups' groups (raw rows for the edges and unsettled minutes);
    evaluator labels per metric from the newest label of each call, and evaluator failures from the flags.

    The range starts where the charts over the same range start, on their first bucket (filter options need no
    second-exact edge), so with `tails` its raw rows are the ones the page's charts already measured."""
    segment = Segment(bucket_start(start, pick_step(start, end)), end)
    if tails is None:
        return _values(store, project_id, segment, None)
    with tails.use(project_id, segment.start, end) as tail:
        return _values(store, project_id, segment, tail)


def _values(store: Store, project_id: str, segment: Segment, tail: Tail | None) -> LabelValues:
    source, params = reader.source(
        store, project_id, [segment], sources=sources_of("calls flagged newest_labels"), tail=tail
    )
    select = ", ".join(
        f"arraySort(groupUniqArrayIf({label}, calls > 0 AND {label} != '')) AS {label}" for label in LABELS
    )
    labelled = "arrayFilter(k -> NOT endsWith(k, ':'), mapKeys(sumMap(newest_labels)))"
    failed = "arrayFilter(k -> endsWith(k, ':error'), mapKeys(sumMap(flagged)))"
    labelled = f"arrayMap(k -> replaceOne(k, '/', '.'), {labelled})"
    failed = f"arrayMap(k -> replaceOne(k, ':error', '.error:error'), {failed})"
    pairs = f"arraySort(arrayDistinct(arrayConcat({labelled}, {failed}))) AS evaluator_labels"
    [row] = store.rows(f"SELECT {select}, {pairs} FROM ({source})", params)
    return LabelValues(**row)
