"""Reading a version's items back: in key-range pages, so a reader holds one page however large the version.

The draft's items are read with their annotations applied, as the next version will copy them: an annotation made
after an event was added shows at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, Field

from telltale_server.schemas.rows import record
from telltale_server.schemas.store import Store

PAGE_SIZE = 5000
_COLUMNS = (
    "position, toString(event_id) AS event_id, event_ts, input_text, input_messages, output, contexts, ground_truth, "
    "feedback, evaluations, model, route, prompt_version, environment, label, note"
)


ANNOTATIONS = (
    "LEFT JOIN (SELECT event_id, label, note, corrected_answer FROM dataset_annotations FINAL "
    "WHERE project_id = {p:String} AND dataset_id = {d:String}) AS a ON a.event_id = d.event_id"
)
"""The dataset's annotations `a`, joined to its items `d` (a query with it sets join_use_nulls = 1)."""


def annotated(column: str) -> str:
    """`d.<column>` (ground_truth, label or note) with the item's annotation applied; the corrected answer is the
    ground truth when one was given."""
    if column == "ground_truth":
        return "if(a.event_id IS NOT NULL AND a.corrected_answer IS NOT NULL, a.corrected_answer, d.ground_truth)"
    return f"if(a.event_id IS NOT NULL, a.{column}, d.{column})"


_DRAFT = (
    f"(SELECT d.* REPLACE ({annotated('ground_truth')} AS ground_truth, {annotated('label')} AS label, "
    f"{annotated('note')} AS note) FROM (SELECT * FROM dataset_items FINAL WHERE project_id = {{p:String}} "
    f"AND dataset_id = {{d:String}} AND version = 0) AS d {ANNOTATIONS})"
)


class Item(BaseModel):
    """One curated example, as copied from production (and maybe redacted and annotated)."""

    position: int
    event_id: str = Field(description="Lineage: the inference event this item was copied from.")
    event_ts: datetime
    input: str | list[dict[str, Any]] = Field(description="The input text, or the chat messages.")
    output: str | None
    contexts: list[dict[str, Any]]
    ground_truth: str | None = Field(description="The reviewer's corrected answer, else the user's correction.")
    feedback: list[dict[str, Any]]
    evaluations: list[dict[str, Any]]
    model: str
    route: str
    prompt_version: str
    environment: str
    label: str
    note: str


def pages(
    store: Store, project_id: str, dataset_id: str, version: int, page_size: int = PAGE_SIZE, after: int = -1
) -> Iterator[list[dict[str, Any]]]:
    """The version's rows in position order, `page_size` at a time, each page a key-range read."""
    source = _DRAFT if version == 0 else "dataset_items FINAL"
    while True:
        rows = store.rows(
            f"SELECT {_COLUMNS} FROM {source} WHERE project_id = {{p:String}} AND dataset_id = {{d:String}} "
            "AND version = {v:UInt32} AND position > {after:Int64} ORDER BY position LIMIT {n:UInt32} "
            "SETTINGS join_use_nulls = 1",
            {"p": project_id, "d": dataset_id, "v": version, "after": after, "n": page_size},
        )
        if not rows:
            return
        yield rows
        if len(rows) < page_size:
            return
        after = rows[-1]["position"]


def to_item(row: dict[str, Any]) -> Item:
    """A stored row as the API shows it: JSON columns parsed, the input as text or messages."""
    columns = {
        **row,
        "input": orjson.loads(row["input_messages"]) if row["input_messages"] else row["input_text"],
        "contexts": row["contexts"] or "[]",
    }
    return record(Item, columns, ("contexts", "feedback", "evaluations"))


def contains(store: Store, project_id: str, dataset_id: str, event_id: str) -> bool:
    """Whether the event is an item of the dataset (its draft or any version)."""
    return bool(
        store.command(
            "SELECT count() FROM dataset_items WHERE project_id = {p:String} AND dataset_id = {d:String} "
            "AND event_id = {e:UUID}",
            {"p": project_id, "d": dataset_id, "e": event_id},
        )
    )
