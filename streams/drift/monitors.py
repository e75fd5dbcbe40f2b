"""Stored drift monitors per project; a project without a stored 'default' monitor gets the default one."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError

from telltale_server.schemas.store import Store
from telltale_server.streams.drift.config import DEFAULT_MONITOR_ID, Monitor, MonitorConfig


class StoredMonitors:
    """Monitors in the drift_monitors table (newest row per id wins; deleted rows hide a monitor)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def of_project(self, project_id: str) -> list[Monitor]:
        """The project's monitors, the implicit default first unless it was stored or deleted."""
        rows = self.store.rows(
            "SELECT monitor_id, config, deleted, updated_at FROM drift_monitors FINAL WHERE project_id = {p:String} "
            "ORDER BY monitor_id",
            {"p": project_id},
        )
        found = [_monitor(project_id, row) for row in rows if not row["deleted"]]
        if not any(row["monitor_id"] == DEFAULT_MONITOR_ID for row in rows):
            found.insert(0, Monitor(monitor_id=DEFAULT_MONITOR_ID, project_id=project_id, config=MonitorConfig()))
        return found

    def get(self, project_id: str, monitor_id: str) -> Monitor | None:
        return next((m for m in self.of_project(project_id) if m.monitor_id == monitor_id), None)

    def put(self, project_id: str, monitor_id: str, config: MonitorConfig) -> Monitor:
        now = datetime.now(UTC)
        self._write(project_id, monitor_id, config.model_dump_json(), 0, now)
        return Monitor(monitor_id=monitor_id, project_id=project_id, config=config, updated_at=now)

    def delete(self, project_id: str, monitor_id: str) -> None:
        """Hide the monitor (the default one too: a project can opt out of drift); its results stay readable."""
        self._write(project_id, monitor_id, MonitorConfig().model_dump_json(), 1, datetime.now(UTC))

    def _write(self, project_id: str, monitor_id: str, config: str, deleted: int, at: datetime) -> None:
        self.store.client().insert(
            "drift_monitors",
            [[project_id, monitor_id, config, deleted, at]],
            column_names=["project_id", "monitor_id", "config", "deleted", "updated_at"],
        )


def _monitor(project_id: str, row: dict) -> Monitor:
    """A stored monitor; one whose configuration no longer validates is shown disabled, with the reason why."""
    try:
        config, problem = MonitorConfig.model_validate_json(row["config"]), ""
    except ValidationError as error:
        config = MonitorConfig(enabled=False)
        problem = f"stored configuration is no longer valid, replace it (PUT): {error}"
    return Monitor(
        monitor_id=row["monitor_id"],
        project_id=project_id,
        config=config,
        updated_at=row["updated_at"],
        problem=problem,
    )
