"""The project's datasets: specs stored per project, each save a new row version, deletion a tombstone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson

from telltale_server.schemas.spec_tables import SpecTable, Unreadable
from telltale_server.schemas.store import Store
from telltale_server.services.datasets.spec import Dataset, DatasetSpec


class DatasetCatalog:
    """CRUD on the datasets table; every read names the project, so one project never sees another's."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.table = SpecTable(store, "datasets", "dataset_id")

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
        self.table.write(project_id, dataset_id, body, created)
        return _dataset(project_id, dataset_id, body, created, now)

    def delete(self, project_id: str, dataset_id: str) -> bool:
        """Tombstone the spec; frozen versions stay readable only through a live dataset, so they go with it."""
        existing = self._rows("project_id = {p:String} AND dataset_id = {d:String}", project_id, dataset_id)
        if not existing:
            return False
        self.table.write(project_id, dataset_id, existing[0]["spec"], existing[0]["created_at"], deleted=True)
        return True

    def get(self, project_id: str, dataset_id: str) -> Dataset | None:
        rows = self._rows("project_id = {p:String} AND dataset_id = {d:String}", project_id, dataset_id)
        found = self._datasets(rows)[0]
        return found[0] if found else None

    def of_project(self, project_id: str) -> list[Dataset]:
        return self._datasets(self._rows("project_id = {p:String}", project_id))[0]

    def continuous(self) -> tuple[list[Dataset], list[Unreadable]]:
        """Every project's live continuous datasets (the curation job's work list), and the stored specs that no
        longer validate, which the job skips and records."""
        datasets, unreadable = self._datasets(self._rows("1"))
        return [d for d in datasets if d.continuous], unreadable

    def _datasets(self, rows: list[dict[str, Any]]) -> tuple[list[Dataset], list[Unreadable]]:
        found, unreadable = self.table.parsed(rows, _from_row)
        return [dataset for dataset, _ in found], unreadable

    def _rows(self, where: str, project_id: str = "", dataset_id: str = "") -> list[dict[str, Any]]:
        return self.table.rows(f"deleted = 0 AND {where}", {"p": project_id, "d": dataset_id})


def _from_row(row: dict[str, Any]) -> Dataset:
    return _dataset(row["project_id"], row["dataset_id"], row["spec"], row["created_at"], row["updated_at"])


def _dataset(project_id: str, dataset_id: str, spec: str, created: datetime, updated: datetime) -> Dataset:
    return Dataset.model_validate(
        {**orjson.loads(spec), "id": dataset_id, "project_id": project_id, "created_at": created, "updated_at": updated}
    )
