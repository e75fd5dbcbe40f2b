"""Alert rules: what to watch, when it is a problem, and whom to tell; stored per project."""

from __future__ import annotations

import logging
import operator
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from telltale_server.schemas.durations import Duration
from telltale_server.schemas.spec_tables import SpecTable, Unreadable
from telltale_server.schemas.store import Store
from telltale_server.services import log_masking
from telltale_server.services.alerts.channels.config import Channel, secrets
from telltale_server.services.metrics.catalog import CATALOG, Filters, Label
from telltale_server.streams.health import JobError

log = logging.getLogger(__name__)

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
    window: Duration = Field(
        default=300.0,
        description="The metric is computed over [now - window, now), from the minute at or before its start.",
    )
    comparator: Comparator
    threshold: float
    min_samples: int = Field(default=1, ge=0, description="Fewer observations in the window: no verdict.")
    for_: Duration = Field(default=0.0, alias="for", description="How long the condition holds (pending) to fire.")
    keep_firing_for: Duration = Field(
        default=0.0,
        description="How long a firing alert stays firing once its value is clear (Prometheus' keep_firing_for): "
        "a dip shorter than this does not resolve it.",
    )
    resolve_threshold: float | None = Field(
        default=None,
        description="A firing alert's value is clear only past this, on the good side of `threshold` (e.g. fire "
        "above 0.05, clear at 0.03 or less); default: `threshold`. Only with >, >=, < or <=.",
    )
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

    @model_validator(mode="after")
    def _resolve_on_the_good_side(self) -> RuleSpec:
        """A resolve threshold widens the band an alert stays firing in; it can never narrow it."""
        if self.resolve_threshold is None:
            return self
        if self.comparator in ("==", "!="):
            raise ValueError(f"resolve_threshold needs >, >=, < or <=, not {self.comparator}")
        above = self.comparator in (">", ">=")
        if (self.resolve_threshold > self.threshold) if above else (self.resolve_threshold < self.threshold):
            side = "at or below" if above else "at or above"
            raise ValueError(f"resolve_threshold must be {side} threshold {self.threshold} for {self.comparator}")
        return self

    def breached(self, value: float) -> bool:
        """Whether the value is on the wrong side of the threshold: a pending or new alert starts here."""
        return COMPARE[self.comparator](value, self.threshold)

    def clear(self, value: float) -> bool:
        """Whether a firing alert's value is past the resolve threshold (the threshold without one)."""
        limit = self.threshold if self.resolve_threshold is None else self.resolve_threshold
        return not COMPARE[self.comparator](value, limit)


class Rule(RuleSpec):
    """A stored rule: the spec plus its identity."""

    id: str
    project_id: str
    created_at: datetime
    updated_at: datetime
    last_error: JobError | None = Field(
        default=None, description="Why the engine could not evaluate this rule lately; null while it works."
    )


def unsaved(spec: RuleSpec, project_id: str, rule_id: str = "unsaved") -> Rule:
    """A rule as it would be stored, without storing it: what a preview or a test send runs on."""
    now = datetime.now(UTC)
    fields = spec.model_dump(by_alias=True, context={"reveal": True})
    return Rule.model_validate(
        {**fields, "id": rule_id, "project_id": project_id, "created_at": now, "updated_at": now}
    )


class RuleStore:
    """CRUD on alert_rules; each save is a new version of the row, deletion a tombstone."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.table = SpecTable(store, "alert_rules", "rule_id")

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
        self.table.write(project_id, rule_id, body, created)
        return _rule(project_id, rule_id, body, created, now)

    def delete(self, project_id: str, rule_id: str) -> bool:
        """Tombstone the rule; its spec stays, so the alerts it leaves behind can still send their resolves."""
        rows = self.table.rows(
            "deleted = 0 AND project_id = {p:String} AND rule_id = {r:String}", {"p": project_id, "r": rule_id}
        )
        if not rows:
            return False
        self.table.write(project_id, rule_id, rows[0]["spec"], rows[0]["created_at"], deleted=True)
        return True

    def get(self, project_id: str, rule_id: str) -> Rule | None:
        found = self._select("project_id = {p:String} AND rule_id = {r:String}", {"p": project_id, "r": rule_id})
        return found[0] if found else None

    def of_project(self, project_id: str) -> list[Rule]:
        return self._select("project_id = {p:String}", {"p": project_id})

    def every(self) -> tuple[list[tuple[Rule, bool]], list[Unreadable]]:
        """Every project's rules with whether each is live (not deleted): what the engine works from; and the
        stored rules that no longer validate, which the engine skips and records."""
        found, unreadable = self.table.parsed(self.table.rows("1", {}), _from_row)
        return [(rule, not row["deleted"]) for rule, row in found], unreadable

    def _select(self, where: str, params: dict[str, str]) -> list[Rule]:
        """The rules that match; a stored rule that no longer validates is left out (the engine records why)."""
        found, unreadable = self.table.parsed(self.table.rows(f"deleted = 0 AND {where}", params), _from_row)
        for broken in unreadable:
            log.warning("alert rule %s of project %s no longer validates", broken.id, broken.project_id)
        return [rule for rule, _ in found]


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
