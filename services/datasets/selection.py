"""Choose a spec's events: filter, drop near-duplicate inputs, sample, and number them, all inside ClickHouse.

The chosen events land in `dataset_selections` under a run id; the item assembly joins that run, so the
selection (the one scan of the event table) runs once. Sampling hashes each event id with the seed, so a
seed picks the same events from the same data whatever order the store returns them in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from telltale_server.schemas.store import Store
from telltale_server.services.datasets.filters import Clause, where
from telltale_server.services.datasets.spec import DatasetSpec, Query

NORMALISED_INPUT_HASH = (
    "cityHash64(trimBoth(replaceRegexpAll(replaceRegexpAll(lowerUTF8(input_text), '[[:punct:]]+', ' '), "
    "'[[:space:]]+', ' ')))"
)
"""Near-identical inputs (case, punctuation, spacing) share this hash; dedup keeps one: the first by time
among those with a user's correction (a ground truth), else the first by time."""


@dataclass(frozen=True)
class Selection:
    """A run's chosen events in `dataset_selections`: how many, numbered from `offset`."""

    run_id: str
    project_id: str
    count: int
    offset: int


@dataclass(frozen=True)
class Draft:
    """Exclude what a draft already holds, and cap it: continuous curation appends only what is new."""

    dataset_id: str
    count: int


def select(
    store: Store, project_id: str, spec: DatasetSpec, query: Query, offset: int = 0, draft: Draft | None = None
) -> Selection:
    """Write the events `query` (already resolved to absolute times) chooses under `spec`; return the run."""
    limit = spec.sampling.limit
    if draft is not None and limit is not None:
        limit = max(0, limit - draft.count)
    run_id = uuid.uuid4().hex
    if limit == 0:
        return Selection(run_id, project_id, 0, offset)
    clause = Clause()
    conditions = where(project_id, query, clause)
    if draft is not None:
        conditions += f" AND event_id NOT IN ({_draft_column('event_id', project_id, draft, clause)})"
    label = spec.sampling.stratify_by or "model"
    candidates = (
        f"SELECT event_id, ts, trace_id, {label} AS stratum, {NORMALISED_INPUT_HASH} AS input_hash "
        f"FROM inference_events FINAL WHERE {conditions}"
    )
    if spec.dedup:
        p = clause.bind(project_id, "String")
        corrected = (
            f"event_id IN (SELECT assumeNotNull(inference_id) FROM feedback_events FINAL WHERE project_id = {p} "
            "AND inference_id IS NOT NULL AND ifNull(correction, '') != '')"
        )
        candidates += f" ORDER BY {corrected} DESC, ts, event_id LIMIT 1 BY input_hash"
        if draft is not None:
            hashes = _draft_column("input_hash", project_id, draft, clause)
            candidates = f"SELECT * FROM ({candidates}) WHERE input_hash NOT IN ({hashes})"
    sampled = _sample(candidates, spec, limit, clause)
    run = clause.bind(run_id, "String")
    project = clause.bind(project_id, "String")
    first = clause.bind(offset, "UInt64")
    store.command(
        "INSERT INTO dataset_selections (project_id, run_id, event_id, ts, trace_id, input_hash, position) "
        f"SELECT {project}, {run}, event_id, ts, trace_id, input_hash, "
        f"{first} + row_number() OVER (ORDER BY ts, event_id) - 1 FROM ({sampled})",
        clause.params,
    )
    count = store.command(
        "SELECT count() FROM dataset_selections WHERE project_id = {p:String} AND run_id = {r:String}",
        {"p": project_id, "r": run_id},
    )
    return Selection(run_id, project_id, int(count), offset)


def _sample(candidates: str, spec: DatasetSpec, limit: int | None, clause: Clause) -> str:
    """The sampling step over the candidates' SQL; stratified takes turns across strata (equal shares)."""
    sampling = spec.sampling
    if limit is None:
        return candidates
    n = clause.bind(limit, "UInt64")
    seed = clause.bind(sampling.seed, "UInt64")
    draw = f"sipHash64(toString(event_id), {seed})"
    if sampling.method == "newest":
        return f"SELECT * FROM ({candidates}) ORDER BY ts DESC, event_id DESC LIMIT {n}"
    if sampling.method == "random":
        return f"SELECT * FROM ({candidates}) ORDER BY {draw}, event_id LIMIT {n}"
    return (
        f"SELECT * FROM (SELECT *, {draw} AS draw, row_number() OVER (PARTITION BY stratum ORDER BY {draw}, "
        f"event_id) AS turn FROM ({candidates})) ORDER BY turn, draw, event_id LIMIT {n}"
    )


def _draft_column(column: str, project_id: str, draft: Draft, clause: Clause) -> str:
    p = clause.bind(project_id, "String")
    d = clause.bind(draft.dataset_id, "String")
    return f"SELECT {column} FROM dataset_items WHERE project_id = {p} AND dataset_id = {d} AND version = 0"


def by_ids(store: Store, project_id: str, event_ids: list[str], offset: int, dataset_id: str) -> Selection:
    """The listed events of this project not yet in the draft (unknown ids and other projects' are skipped)."""
    run_id = uuid.uuid4().hex
    params = {"p": project_id, "r": run_id, "ids": event_ids, "d": dataset_id, "o": offset}
    store.command(
        "INSERT INTO dataset_selections (project_id, run_id, event_id, ts, trace_id, input_hash, position) "
        f"SELECT {{p:String}}, {{r:String}}, event_id, ts, trace_id, {NORMALISED_INPUT_HASH}, "
        "{o:UInt64} + row_number() OVER (ORDER BY ts, event_id) - 1 FROM inference_events FINAL "
        "WHERE project_id = {p:String} AND event_id IN {ids:Array(UUID)} AND event_id NOT IN "
        "(SELECT event_id FROM dataset_items WHERE project_id = {p:String} AND dataset_id = {d:String} "
        "AND version = 0)",
        params,
    )
    count = store.command(
        "SELECT count() FROM dataset_selections WHERE project_id = {p:String} AND run_id = {r:String}", params
    )
    return Selection(run_id, project_id, int(count), offset)
