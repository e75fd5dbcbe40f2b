"""What flows through the notifier: alerts with their rule, groups of them, and the notification log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from telltale_server.services.alerts.rules import Rule
from telltale_server.services.alerts.state import AlertState

NOTIFICATION_NAMESPACE = uuid.UUID("5b0c6a64-3f1e-4f43-9a52-7c1d2b8e6f10")


@dataclass(frozen=True)
class Alert:
    """A firing or resolved alert as the notifier sees it: state, rule, full labels and mute flags."""

    state: AlertState
    rule: Rule
    acked: bool = False
    muted_by: str | None = None

    @property
    def fingerprint(self) -> str:
        return self.state.fingerprint

    @property
    def labels(self) -> dict[str, str]:
        """Group labels, then the rule's own, then the built-ins silences and inhibition match on."""
        return {
            **self.state.labels,
            **self.rule.labels,
            "alertname": self.rule.name,
            "rule_id": self.rule.id,
            "metric": self.rule.metric,
            "severity": self.rule.severity,
        }

    def muted(self, reason: str) -> Alert:
        return replace(self, muted_by=reason)


@dataclass(frozen=True)
class Group:
    """One rule's firing and resolved alerts: the unit notifications are made of (Alertmanager's group)."""

    rule: Rule
    alerts: tuple[Alert, ...]

    @property
    def key(self) -> str:
        return f"{self.rule.project_id}/{self.rule.id}"


@dataclass(frozen=True)
class LogEntry:
    """What was last notified to one channel for one group, and when: the dedup stage's memory (nflog)."""

    seq: int
    firing: frozenset[str]
    resolved: frozenset[str]
    at: datetime


@dataclass(frozen=True)
class Notification:
    """One message for one channel of one group: the alerts it announces firing, and those it resolves."""

    group: Group
    channel_index: int
    channel: str
    seq: int
    firing: tuple[Alert, ...]
    resolved: tuple[Alert, ...]
    remembered_firing: frozenset[str]
    created_at: datetime
    deliver: bool = True
    reasons: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        """Deterministic, so the same notification made twice (two engines, a retry) has one identity."""
        return str(uuid.uuid5(NOTIFICATION_NAMESPACE, f"{self.group.key}|{self.channel}|{self.seq}"))

    def log_entry(self) -> LogEntry:
        return LogEntry(
            self.seq, self.remembered_firing, frozenset(a.fingerprint for a in self.resolved), self.created_at
        )
