"""The project's annotation queues, kept as versioned spec rows (a save is a new version, deletion a tombstone)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson

from telltale_server.schemas.spec_tables import SpecTable, Unreadable
from telltale_server.schemas.store import Store
from telltale_server.services.review.schema import Queue, QueueSpec


class QueueCatalog:
    """CRUD on review_queues; every read names the project, so one project never sees another's queues."""

    def __init__(self, store: Store) -> None:
        self.table = SpecTable(store, "review_queues", "queue_id")

    def save(self, project_id: str, spec: QueueSpec, queue_id: str | None = None) -> Queue:
        """Create (no id) or replace a queue's spec; items and reviews it already has stay."""
        now = datetime.now(UTC)
        existing = self.get(project_id, queue_id) if queue_id else None
        if queue_id is not None and existing is None:
            raise KeyError(queue_id)
        created = existing.created_at if existing else now
        queue_id = queue_id or f"rq_{uuid.uuid4().hex[:16]}"
        body = spec.model_dump_json(by_alias=True)
        self.table.write(project_id, queue_id, body, created)
        return _queue({"project_id": project_id, "queue_id": queue_id, "spec": body, "created_at": created}, now)

    def delete(self, project_id: str, queue_id: str) -> bool:
        rows = self._rows("project_id = {p:String} AND queue_id = {q:String}", project_id, queue_id)
        if rows:
            self.table.write(project_id, queue_id, rows[0]["spec"], rows[0]["created_at"], deleted=True)
        return bool(rows)

    def get(self, project_id: str, queue_id: str) -> Queue | None:
        found = self.parsed(self._rows("project_id = {p:String} AND queue_id = {q:String}", project_id, queue_id))
        return found[0][0] if found[0] else None

    def of_project(self, project_id: str) -> list[Queue]:
        return self.parsed(self._rows("project_id = {p:String}", project_id))[0]

    def every(self) -> tuple[list[Queue], list[Unreadable]]:
        """Every project's live queues (the fill job's work list), and stored specs that no longer validate."""
        return self.parsed(self._rows("1"))

    def parsed(self, rows: list[dict[str, Any]]) -> tuple[list[Queue], list[Unreadable]]:
        found, unreadable = self.table.parsed(rows, lambda row: _queue(row, row["updated_at"]))
        return [queue for queue, _ in found], unreadable

    def _rows(self, where: str, project_id: str = "", queue_id: str = "") -> list[dict[str, Any]]:
        return self.table.rows(f"deleted = 0 AND {where}", {"p": project_id, "q": queue_id})


def _queue(row: dict[str, Any], updated: datetime) -> Queue:
    return Queue.model_validate(
        {
            **orjson.loads(row["spec"]),
            "id": row["queue_id"],
            "project_id": row["project_id"],
            "created_at": row["created_at"],
            "updated_at": updated,
        }
    )
