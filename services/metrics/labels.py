"""The label values seen in a time range: what the console's and Grafana's filters offer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from telltale_server.schemas.store import Store
from telltale_server.services.alerts.catalog import LABELS


class LabelValues(BaseModel):
    model: list[str]
    route: list[str]
    prompt_version: list[str]
    environment: list[str]
    evaluator_labels: list[str]
    """`evaluator:label` pairs found by the evaluators, e.g. `groundedness:ungrounded`."""


def label_values(store: Store, project_id: str, start: datetime, end: datetime) -> LabelValues:
    """Distinct values per label, sorted; raw rows suffice since a duplicate adds no new value."""
    params = {"p": project_id, "start": start, "end": end}
    in_window = "project_id = {p:String} AND ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)}"
    select = ", ".join(f"arraySort(groupUniqArray({label})) AS {label}" for label in LABELS)
    [events] = store.rows(f"SELECT {select} FROM inference_events WHERE {in_window}", params)
    pairs = store.column(
        "SELECT DISTINCT concat(evaluator, ':', label) AS pair FROM evaluations "
        f"WHERE {in_window} AND label != '' ORDER BY pair",
        params,
    )
    return LabelValues(**{label: [v for v in events[label] if v] for label in LABELS}, evaluator_labels=pairs)
