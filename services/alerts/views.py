"""Alerts as the API shows them: current state, acknowledgement, transitions and the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store
from telltale_server.services.alerts.acks import AckStore
from telltale_server.services.alerts.notifier.outbox import Outbox
from telltale_server.services.alerts.rules import RuleStore
from telltale_server.services.alerts.state import AlertState, StateName, StateStore


class Acknowledgement(BaseModel):
    acked_by: str
    acked_at: datetime
    comment: str


class AlertView(BaseModel):
    """One alert (a rule and a group) where it stands now."""

    fingerprint: str
    rule_id: str
    rule_name: str | None = Field(description="Null when the rule was deleted.")
    labels: dict[str, str]
    state: StateName
    value: float | None = Field(description="The metric's value at the last change of state.")
    samples: int
    active_since: datetime | None
    fired_at: datetime | None
    resolved_at: datetime | None
    evaluated_at: datetime
    cleared_since: datetime | None = Field(
        None, description="Firing, but its value is clear since then: it resolves after the rule's keep_firing_for."
    )
    acknowledged: Acknowledgement | None = None


class Attempt(BaseModel):
    at: datetime
    attempt: int
    outcome: str
    status_code: int
    error: str
    duration_ms: float


class NotificationView(BaseModel):
    """A notification that carried this alert, and every attempt to deliver it."""

    notification_id: str
    channel: str
    seq: int
    created_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    body: dict[str, Any]
    deliveries: list[Attempt]


class AlertDetail(AlertView):
    history: list[dict[str, Any]]
    notifications: list[NotificationView]


def list_alerts(store: Store, project_id: str, state: StateName | None, rule_id: str | None) -> list[AlertView]:
    """The project's alerts, optionally of one state or rule; firing first, then newest change first."""
    states = [
        s
        for s in StateStore(store).load(project_id).values()
        if (state is None or s.state == state) and (rule_id is None or s.rule_id == rule_id)
    ]
    order = {"firing": 0, "pending": 1, "resolved": 2, "inactive": 3}
    states.sort(key=lambda s: (order[s.state], -s.evaluated_at.timestamp()))
    names = {rule.id: rule.name for rule in RuleStore(store).of_project(project_id)}
    return [_view(store, s, names.get(s.rule_id)) for s in states]


def alert_detail(store: Store, project_id: str, fingerprint: str) -> AlertDetail | None:
    found = StateStore(store).load(project_id).get(fingerprint)
    if found is None:
        return None
    rule = RuleStore(store).get(project_id, found.rule_id)
    view = _view(store, found, rule.name if rule else None)
    notifications = Outbox(store).for_alert(project_id, fingerprint)
    attempts: dict[str, list[Attempt]] = {}
    if notifications:
        rows = store.rows(
            "SELECT notification_id, at, attempt, outcome, status_code, error, duration_ms FROM alert_deliveries "
            "WHERE project_id = {p:String} AND notification_id IN {ids:Array(String)} ORDER BY at, attempt",
            {"p": project_id, "ids": [n.notification_id for n in notifications]},
        )
        for row in rows:
            attempts.setdefault(row.pop("notification_id"), []).append(Attempt(**row))
    return AlertDetail(
        **view.model_dump(),
        history=StateStore(store).history(project_id, fingerprint),
        notifications=[
            NotificationView(
                notification_id=n.notification_id,
                channel=n.channel,
                seq=n.seq,
                created_at=n.created_at,
                status=n.status,
                attempts=n.attempts,
                next_attempt_at=n.next_attempt_at,
                last_error=n.last_error,
                body=orjson.loads(n.body),
                deliveries=attempts.get(n.notification_id, []),
            )
            for n in notifications
        ],
    )


def _view(store: Store, state: AlertState, rule_name: str | None) -> AlertView:
    ack = None
    if state.active_since is not None and state.state in ("pending", "firing"):
        found = AckStore(store).find(state.project_id, state.fingerprint, state.active_since)
        if found is not None:
            ack = Acknowledgement(acked_by=found.acked_by, acked_at=found.acked_at, comment=found.comment)
    return AlertView(
        fingerprint=state.fingerprint,
        rule_id=state.rule_id,
        rule_name=rule_name,
        labels=state.labels,
        state=state.state,
        value=state.value,
        samples=state.samples,
        active_since=state.active_since,
        fired_at=state.fired_at,
        resolved_at=state.resolved_at,
        evaluated_at=state.evaluated_at,
        cleared_since=state.cleared_since,
        acknowledged=ack,
    )
