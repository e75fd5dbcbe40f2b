"""Alert state per rule and group, its stable fingerprint, and where the engine persists both."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

import orjson

from telltale_server.schemas.row_versions import next_version
from telltale_server.schemas.rows import record
from telltale_server.schemas.store import Store

StateName = Literal["inactive", "pending", "firing", "resolved"]
_COLUMNS = [
    "project_id",
    "fingerprint",
    "rule_id",
    "labels",
    "state",
    "value",
    "samples",
    "active_since",
    "fired_at",
    "resolved_at",
    "evaluated_at",
    "cleared_since",
    "version",
]


def fingerprint(project_id: str, rule_id: str, labels: dict[str, str]) -> str:
    """Same rule and group labels, same fingerprint: across restarts, processes and rule edits."""
    key = orjson.dumps([project_id, rule_id, sorted(labels.items())])
    return hashlib.sha256(key).hexdigest()[:16]


@dataclass(frozen=True)
class AlertState:
    """Where one group of one rule stands; `active_since` starts an incident, `fired_at` says it fired, and
    `cleared_since` says since when a firing alert's value has been clear (it resolves after `keep_firing_for`)."""

    project_id: str
    rule_id: str
    labels: dict[str, str]
    state: StateName
    value: float | None
    samples: int
    active_since: datetime | None
    fired_at: datetime | None
    resolved_at: datetime | None
    evaluated_at: datetime
    cleared_since: datetime | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.project_id, self.rule_id, self.labels)

    def observed(self, value: float | None, samples: int, now: datetime) -> AlertState:
        """The same state with a fresher observation."""
        return replace(self, value=value, samples=samples, evaluated_at=now)

    def row(self) -> list[object]:
        return [
            self.project_id,
            self.fingerprint,
            self.rule_id,
            orjson.dumps(self.labels).decode(),
            self.state,
            self.value,
            self.samples,
            self.active_since,
            self.fired_at,
            self.resolved_at,
            self.evaluated_at,
            self.cleared_since,
            next_version(),
        ]


class StateStore:
    """alert_states holds the latest state per fingerprint; alert_history logs every transition."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self, project_id: str | None = None) -> dict[str, AlertState]:
        """Every known alert (of one project, or all): what a (re)started engine resumes from."""
        where = "WHERE project_id = {p:String}" if project_id else ""
        rows = self.store.rows(f"SELECT * FROM alert_states FINAL {where}", {"p": project_id} if project_id else {})
        states = [_state(row) for row in rows]
        return {state.fingerprint: state for state in states}

    def save(self, transitions: list[tuple[AlertState | None, AlertState]]) -> None:
        """Persist new states and log each (before, after) change of state name."""
        if not transitions:
            return
        client = self.store.client()
        client.insert("alert_states", [after.row() for _, after in transitions], column_names=_COLUMNS)
        history = [
            [
                after.project_id,
                after.evaluated_at,
                after.fingerprint,
                after.rule_id,
                before.state if before else "inactive",
                after.state,
                after.value,
                after.samples,
            ]
            for before, after in transitions
            if before is None or before.state != after.state
        ]
        if history:
            client.insert(
                "alert_history",
                history,
                column_names=[
                    "project_id",
                    "at",
                    "fingerprint",
                    "rule_id",
                    "from_state",
                    "to_state",
                    "value",
                    "samples",
                ],
            )

    def history(self, project_id: str, fp: str, limit: int = 100) -> list[dict[str, object]]:
        """The alert's transitions, newest first."""
        return self.store.rows(
            "SELECT at, from_state, to_state, value, samples FROM alert_history "
            "WHERE project_id = {p:String} AND fingerprint = {f:String} ORDER BY at DESC LIMIT {n:UInt32}",
            {"p": project_id, "f": fp, "n": limit},
        )


def _state(row: dict) -> AlertState:
    return record(AlertState, row, ("labels",))
