"""The project's datasets: specs stored per project, each save a new row version, deletion a tombstone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from telltale_server.schemas.row_versions import next_version
from telltale_server.schemas.store import Store
from telltale_server.services.datasets.spec import Dataset, DatasetSpec

_COLUMNS = ["project_id", "dataset_id", "spec", "created_at", "deleted", "version"]


@dataclass(frozen=True)
class Unreadable:
    """A stored dataset spec that no longer validates: skipped by curation, its reason recorded."""

    project_id: str
    dataset_id: str
    error: str


class DatasetCatalog:
    """CRUD on the datasets table; every read names the project, so one project never sees another's."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def save(self, project_id: str, spec: DatasetSpec, dataset_id: str | None = None) -> Dataset:
        """Create (no id) or replace a dataset's spec; versions already frozen keep the spec they used."""
        now = datetime.now(UTC)
        created = now
        if dataset_id is not None:
            existing = self.get(project_id, dataset_id)
            if existing is None:
                raise KeyError(dataset_id)
            created = existing.created_at
        dataset_id = dataset_id or f"ds_{uuid.uuid4().hex[:16]}"
        body = spec.model_dump_json()
        self.store.client().insert(
            "datasets", [[project_id, dataset_id, body, created, 0, next_version()]], column_names=_COLUMNS
        )
        return _dataset(project_id, dataset_id, body, created, now)

    def delete(self, project_id: str, dataset_id: str) -> bool:
        """Tombstone the spec; frozen versions stay readable only through a live dataset, so they go with it."""
        existing = self._rows("project_id = {p:String} AND dataset_id = {d:String}", project_id, dataset_id)
        if not existing:
            return False
        row = existing[0]
        self.store.client().insert(
            "datasets",
            [[project_id, dataset_id, row["spec"], row["created_at"], 1, next_version()]],
            column_names=_COLUMNS,
        )
        return True

    def get(self, project_id: str, dataset_id: str) -> Dataset | None:
        rows = self._rows("project_id = {p:String} AND dataset_id = {d:String}", project_id, dataset_id)
        found = self._datasets(rows)[0]
        return found[0] if found else None

    def list(self, project_id: str) -> list[Dataset]:
        return self._datasets(self._rows("project_id = {p:String}", project_id))[0]

    def continuous(self) -> tuple[list[Dataset], list[Unreadable]]:
        """Every project's live continuous datasets (the curation job's work list), and the stored specs that no
        longer validate, which the job skips and records."""
        datasets, unreadable = self._datasets(self._rows("1"))
        return [d for d in datasets if d.continuous], unreadable

    @staticmethod
    def _datasets(rows: list[dict[str, Any]]) -> tuple[list[Dataset], list[Unreadable]]:
        found, unreadable = [], []
        for row in rows:
            try:
                found.append(_from_row(row))
            except ValidationError as error:
                unreadable.append(Unreadable(row["project_id"], row["dataset_id"], f"stored spec is invalid: {error}"))
        return found, unreadable

    def _rows(self, where: str, project_id: str = "", dataset_id: str = "") -> list[dict[str, Any]]:
        return self.store.rows(
            "SELECT project_id, dataset_id, spec, created_at, fromUnixTimestamp64Nano(toInt64(version)) AS updated_at "
            f"FROM datasets FINAL WHERE deleted = 0 AND {where} ORDER BY created_at, dataset_id",
            {"p": project_id, "d": dataset_id},
        )


def _from_row(row: dict[str, Any]) -> Dataset:
    return _dataset(row["project_id"], row["dataset_id"], row["spec"], row["created_at"], row["updated_at"])


def _dataset(project_id: str, dataset_id: str, spec: str, created: datetime, updated: datetime) -> Dataset:
    return Dataset.model_validate(
        {**orjson.loads(spec), "id": dataset_id, "project_id": project_id, "created_at": created, "updated_at": updated}
    )
