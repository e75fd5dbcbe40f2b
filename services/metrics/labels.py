"""The label values seen in a time range: what the console's and Grafana's filters offer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from telltale_server.schemas.store import Store
from telltale_server.services.metrics.catalog import LABELS
from telltale_server.streams.rollups import reader
from telltale_server.streams.rollups.measures import sources_of
from telltale_server.streams.rollups.reader import Segment


class LabelValues(BaseModel):
    model: list[str]
    route: list[str]
    prompt_version: list[str]
    environment: list[str]
    evaluator_labels: list[str]
    """`evaluator:label` pairs found by the evaluators, e.g. `groundedness:ungrounded`."""


def label_values(store: Store, project_id: str, start: datetime, end: datetime) -> LabelValues:
    """Distinct values per label, sorted, from the rollups' groups (raw rows for the edges and unsettled minutes)."""
    source, params = reader.source(store, project_id, [Segment(start, end)], sources=sources_of("calls flagged"))
    select = ", ".join(
        f"arraySort(groupUniqArrayIf({label}, calls > 0 AND {label} != '')) AS {label}" for label in LABELS
    )
    pairs = "arrayFilter(k -> NOT endsWith(k, ':'), arraySort(mapKeys(sumMap(flagged)))) AS evaluator_labels"
    [row] = store.rows(f"SELECT {select}, {pairs} FROM ({source})", params)
    return LabelValues(**row)
