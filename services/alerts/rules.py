"""Alert rules: what to watch, when it is a problem, and whom to tell; stored per project."""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from telltale_server.schemas.store import Store
from telltale_server.services import log_masking
from telltale_server.services.alerts.catalog import CATALOG, Filters, Label
from telltale_server.services.alerts.channels.config import Channel, secrets
from telltale_server.services.alerts.clock import next_version
from telltale_server.services.alerts.durations import Duration

Comparator = Literal[">", ">=", "<", "<=", "==", "!="]
Severity = Literal["critical", "error", "warning", "info"]
COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class Annotations(BaseModel):
    """Texts for people; `{{value}}`, `{{threshold}}`, `{{metric}}`, `{{rule}}` and label names are filled in."""

    summary: str = "{{rule}}: {{metric}} is {{value}} ({{comparator}} {{threshold}})"
    description: str = ""


class RuleSpec(BaseModel):
    """A rule as clients write it; durations are strings like "30s", "5m", "4h"."""

    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(min_length=1, max_length=200)
    metric: str = Field(description="A metric of the catalog (GET /v1/metrics).")
    filters: Filters = Field(default_factory=Filters)
    group_by: list[Label] = Field(default_factory=list, description="One alert per distinct value of these labels.")
    window: Duration = Field(default=300.0, description="The metric is computed over [now - window, now).")
    comparator: Comparator
    threshold: float
    min_samples: int = Field(default=1, ge=0, description="Fewer observations in the window: no verdict.")
    for_: Duration = Field(default=0.0, alias="for", description="How long the condition holds (pending) to fire.")
    group_wait: Duration = Field(default=0.0, description="Wait before a group's first notification.")
    group_interval: Duration = Field(default=30.0, description="Wait between notifications of a changed group.")
    repeat_interval: Duration = Field(default=14400.0, description="Re-send a still-firing, unacknowledged alert.")
    severity: Severity = "warning"
    labels: dict[str, str] = Field(default_factory=dict, description="Extra labels carried by every alert.")
    annotations: Annotations = Field(default_factory=Annotations)
    channels: list[Channel] = Field(default_factory=list, max_length=10)
    enabled: bool = True

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in CATALOG:
            raise ValueError(f"unknown metric {metric!r}; known: {sorted(CATALOG)}")
        return metric

    @field_validator("window")
    @classmethod
    def _positive_window(cls, window: float) -> float:
        if window <= 0:
            raise ValueError("window must be longer than 0s")
        return window

    def breached(self, value: float) -> bool:
        """Whether the value is on the wrong side of the threshold."""
        return COMPARE[self.comparator](value, self.threshold)


class Rule(RuleSpec):
    """A stored rule: the spec plus its identity."""

    id: str
    project_id: str
    created_at: datetime
    updated_at: datetime


class RuleStore:
    """CRUD on alert_rules; each save is a new version of the row, deletion a tombstone."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def save(self, project_id: str, spec: RuleSpec, rule_id: str | None = None) -> Rule:
        """Create (no id) or replace a rule; returns it as stored."""
        now = datetime.now(UTC)
        created = now
        if rule_id is not None:
            existing = self.get(project_id, rule_id)
            if existing is None:
                raise KeyError(rule_id)
            created = existing.created_at
        rule_id = rule_id or uuid.uuid4().hex[:16]
        body = spec.model_dump_json(by_alias=True, context={"reveal": True})
        row = [project_id, rule_id, body, created, 0, next_version()]
        self.store.client().insert(
            "alert_rules", [row], column_names=["project_id", "rule_id", "spec", "created_at", "deleted", "version"]
        )
        return _rule(project_id, rule_id, body, created, now)

    def delete(self, project_id: str, rule_id: str) -> bool:
        """Tombstone the rule; its spec stays, so the alerts it leaves behind can still send their resolves."""
        rows = self._rows(
            "deleted = 0 AND project_id = {p:String} AND rule_id = {r:String}", {"p": project_id, "r": rule_id}
        )
        if not rows:
            return False
        row = [project_id, rule_id, rows[0]["spec"], rows[0]["created_at"], 1, next_version()]
        self.store.client().insert(
            "alert_rules", [row], column_names=["project_id", "rule_id", "spec", "created_at", "deleted", "version"]
        )
        return True

    def get(self, project_id: str, rule_id: str) -> Rule | None:
        found = self._select("project_id = {p:String} AND rule_id = {r:String}", {"p": project_id, "r": rule_id})
        return found[0] if found else None

    def list(self, project_id: str) -> list[Rule]:
        return self._select("project_id = {p:String}", {"p": project_id})

    def every(self) -> list[tuple[Rule, bool]]:
        """Every project's rules with whether each is live (not deleted): what the engine works from."""
        return [(_from_row(row), not row["deleted"]) for row in self._rows("1", {})]

    def _select(self, where: str, params: dict[str, str]) -> list[Rule]:
        return [_from_row(row) for row in self._rows(f"deleted = 0 AND {where}", params)]

    def _rows(self, where: str, params: dict[str, str]) -> list[dict]:
        return self.store.rows(
            "SELECT project_id, rule_id, spec, created_at, deleted, "
            "fromUnixTimestamp64Nano(toInt64(version)) AS updated_at "
            f"FROM alert_rules FINAL WHERE {where} ORDER BY created_at, rule_id",
            params,
        )


def _from_row(row: dict) -> Rule:
    return _rule(row["project_id"], row["rule_id"], row["spec"], row["created_at"], row["updated_at"])


def _rule(project_id: str, rule_id: str, body: str, created_at: datetime, updated_at: datetime) -> Rule:
    """A stored rule, its channels' secrets registered for log masking; an invalid one is named without its values."""
    spec = orjson.loads(body)
    try:
        rule = Rule.model_validate(
            {**spec, "id": rule_id, "project_id": project_id, "created_at": created_at, "updated_at": updated_at}
        )
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_input=False))
        raise ValueError(f"stored alert rule {rule_id} of project {project_id} is not valid: {problems}") from None
    for channel in rule.channels:
        log_masking.register(*secrets(channel))
    return rule
