"""Tables of JSON specs kept as row versions (alert rules, datasets): a save is a new version of the row, a delete a
tombstone, and reads see the newest version of each (ReplacingMergeTree, FINAL)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from telltale_server.schemas.row_versions import next_version
from telltale_server.schemas.store import Store

T = TypeVar("T")


@dataclass(frozen=True)
class Unreadable:
    """A stored spec that no longer validates: skipped by the job that reads it, its reason recorded."""

    project_id: str
    id: str
    error: str


class SpecTable:
    """One table's versioned specs, keyed by project and `id_column`."""

    def __init__(self, store: Store, table: str, id_column: str) -> None:
        self.store = store
        self.table = table
        self.id_column = id_column

    def write(self, project_id: str, spec_id: str, body: str, created_at: datetime, deleted: bool = False) -> None:
        """Store a new version of the spec (or its tombstone); the newest version wins on read."""
        self.store.client().insert(
            self.table,
            [[project_id, spec_id, body, created_at, int(deleted), next_version()]],
            column_names=["project_id", self.id_column, "spec", "created_at", "deleted", "version"],
        )

    def rows(self, where: str, params: Mapping[str, object]) -> list[dict[str, Any]]:
        """The newest version of each matching spec, tombstones included unless `where` leaves them out."""
        return self.store.rows(
            f"SELECT project_id, {self.id_column}, spec, created_at, deleted, "
            "fromUnixTimestamp64Nano(toInt64(version)) AS updated_at "
            f"FROM {self.table} FINAL WHERE {where} ORDER BY created_at, {self.id_column}",
            dict(params),
        )

    def parsed(
        self, rows: list[dict[str, Any]], parse: Callable[[dict[str, Any]], T]
    ) -> tuple[list[tuple[T, dict[str, Any]]], list[Unreadable]]:
        """Each row parsed beside the row itself, and the rows whose spec no longer validates (`parse` raised a
        ValueError: a pydantic ValidationError or its own), with the reason."""
        found, unreadable = [], []
        for row in rows:
            try:
                found.append((parse(row), row))
            except ValueError as error:
                unreadable.append(Unreadable(row["project_id"], row[self.id_column], _reason(error)))
        return found, unreadable


def _reason(error: ValueError) -> str:
    """Why a stored spec no longer validates, naming fields but never their values (a spec may hold secrets)."""
    if not isinstance(error, ValidationError):
        return str(error)
    problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_input=False))
    return f"stored spec is invalid: {problems}"
