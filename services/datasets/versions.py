"""Freezing a dataset into an immutable version, reading versions back, and diffing two of them.

A version's items are copies with a content hash over the ordered items (computed by ClickHouse from
each item's `item_hash`), the exact spec used (with `last` resolved to absolute times), the code version
and the time. The same spec over the same data gives the same hash.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store
from telltale_server.schemas.version import server_version
from telltale_server.services.datasets.assemble import copy_draft, write_items
from telltale_server.services.datasets.draft import draft_lock, refresh
from telltale_server.services.datasets.selection import select
from telltale_server.services.datasets.spec import Dataset, DatasetSpec

CURATION_VERSION = "1"
"""Bump when the curation logic changes what a spec selects or how items are built."""


def code_version() -> str:
    """What made a version: the server package and the curation logic."""
    return f"{server_version()}; curation {CURATION_VERSION}"


class Version(BaseModel):
    """A frozen version: its numbers, the spec it used and where it came from."""

    dataset_id: str
    version: int
    item_count: int
    content_hash: str = Field(description="SHA-256 over the items' hashes in position order.")
    spec: dict[str, Any] = Field(description="The exact spec used, `last` resolved to `start`/`end`.")
    code_version: str
    created_by: str
    created_at: datetime


class Diff(BaseModel):
    """What changed between two versions, by source event; lists are capped, counts are not."""

    dataset_id: str
    version: int
    against: int
    added_count: int
    removed_count: int
    changed_count: int
    added: list[str]
    removed: list[str]
    changed: list[str]


def freeze(store: Store, dataset: Dataset, created_by: str, now: datetime | None = None) -> Version:
    """Materialise a new version: continuous datasets snapshot their refreshed draft; others run the query afresh
    and add the draft's hand-picked items after the query's."""
    now = now or datetime.now(UTC)
    project, dataset_id = dataset.project_id, dataset.id
    with draft_lock(project, dataset_id):
        number = _latest_number(store, project, dataset_id) + 1
        _clear(store, project, dataset_id, number)
        spec = DatasetSpec.model_validate(dataset.model_dump(include=set(DatasetSpec.model_fields)))
        if dataset.continuous:
            refresh(store, dataset, now)
            copy_draft(store, project, dataset_id, number, 0, None)
        else:
            spec = spec.model_copy(update={"query": spec.query.resolved(now)})
            selection = select(store, project, spec, spec.query)
            write_items(store, selection, dataset_id, number, dataset.redact_pii)
            copy_draft(store, project, dataset_id, number, selection.count, selection.run_id)
        count, digest = content_hash(store, project, dataset_id, number)
        version = Version(
            dataset_id=dataset_id,
            version=number,
            item_count=count,
            content_hash=digest,
            spec=orjson.loads(spec.model_dump_json()),
            code_version=code_version(),
            created_by=created_by,
            created_at=now,
        )
        store.client().insert(
            "dataset_versions",
            [
                [
                    project,
                    dataset_id,
                    number,
                    count,
                    digest,
                    orjson.dumps(version.spec).decode(),
                    version.code_version,
                    created_by,
                    now,
                ]
            ],
            column_names=[
                "project_id",
                "dataset_id",
                "version",
                "item_count",
                "content_hash",
                "spec",
                "code_version",
                "created_by",
                "created_at",
            ],
        )
        return version


def content_hash(store: Store, project_id: str, dataset_id: str, version: int) -> tuple[int, str]:
    """(item count, SHA-256 hex over each item's hash in position order) of a version or the draft."""
    row = store.rows(
        "SELECT count() AS n, lower(hex(SHA256(arrayStringConcat(arrayMap(x -> x.2, "
        "arraySort(groupArray((position, hex(item_hash))))), '')))) AS digest FROM dataset_items FINAL "
        "WHERE project_id = {p:String} AND dataset_id = {d:String} AND version = {v:UInt32}",
        {"p": project_id, "d": dataset_id, "v": version},
    )[0]
    return int(row["n"]), row["digest"]


def versions(store: Store, project_id: str, dataset_id: str, number: int | None = None) -> list[Version]:
    """The dataset's versions, oldest first (or just `number`)."""
    where = "" if number is None else " AND version = {v:UInt32}"
    rows = store.rows(
        "SELECT dataset_id, version, item_count, content_hash, spec, code_version, created_by, created_at "
        f"FROM dataset_versions FINAL WHERE project_id = {{p:String}} AND dataset_id = {{d:String}}{where} "
        "ORDER BY version",
        {"p": project_id, "d": dataset_id, "v": number or 0},
    )
    return [Version.model_validate({**row, "spec": orjson.loads(row["spec"])}) for row in rows]


def diff(store: Store, project_id: str, dataset_id: str, version: int, against: int, limit: int = 1000) -> Diff:
    """Items added, removed, or changed (same event, different content) from `against` to `version`."""
    rows = store.rows(
        "SELECT toString(event_id) AS id, countIf(version = {a:UInt32}) > 0 AS in_a, "
        "countIf(version = {b:UInt32}) > 0 AS in_b, anyIf(item_hash, version = {a:UInt32}) != "
        "anyIf(item_hash, version = {b:UInt32}) AS differs FROM dataset_items FINAL "
        "WHERE project_id = {p:String} AND dataset_id = {d:String} AND version IN ({a:UInt32}, {b:UInt32}) "
        "GROUP BY event_id HAVING NOT in_a OR NOT in_b OR differs ORDER BY id",
        {"p": project_id, "d": dataset_id, "a": against, "b": version},
    )
    added = [row["id"] for row in rows if row["in_b"] and not row["in_a"]]
    removed = [row["id"] for row in rows if row["in_a"] and not row["in_b"]]
    changed = [row["id"] for row in rows if row["in_a"] and row["in_b"]]
    return Diff(
        dataset_id=dataset_id,
        version=version,
        against=against,
        added_count=len(added),
        removed_count=len(removed),
        changed_count=len(changed),
        added=added[:limit],
        removed=removed[:limit],
        changed=changed[:limit],
    )


def _latest_number(store: Store, project_id: str, dataset_id: str) -> int:
    return int(
        store.command(
            "SELECT max(version) FROM dataset_versions FINAL WHERE project_id = {p:String} AND dataset_id = {d:String}",
            {"p": project_id, "d": dataset_id},
        )
        or 0
    )


def _clear(store: Store, project_id: str, dataset_id: str, number: int) -> None:
    """Drop items a crashed freeze left under this number before it recorded the version."""
    params = {"p": project_id, "d": dataset_id, "v": number}
    where = "project_id = {p:String} AND dataset_id = {d:String} AND version = {v:UInt32}"
    if int(store.command(f"SELECT count() FROM dataset_items WHERE {where}", params)):
        store.command(f"DELETE FROM dataset_items WHERE {where}", params)
