"""The durable outbox and notification log: a notification is stored before any attempt to deliver it.

One row per notification, rewritten (a new version) as its delivery progresses: `pending` ->
`delivered`, or `failed` after the give-up age (re-triable); `skipped` records a resolve the channel
does not want, so dedup remembers it. The newest row per (group, channel) is the dedup stage's memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

import orjson

from telltale_server.schemas.row_versions import next_version
from telltale_server.schemas.store import Store
from telltale_server.services.alerts.notifier.model import LogEntry, Notification
from telltale_server.services.alerts.notifier.payload import body

Status = Literal["pending", "delivered", "failed", "skipped"]
_COLUMNS = [
    "project_id",
    "notification_id",
    "group_key",
    "channel",
    "seq",
    "created_at",
    "firing",
    "resolved",
    "body",
    "status",
    "queued_at",
    "attempts",
    "next_attempt_at",
    "last_error",
    "version",
]


@dataclass(frozen=True)
class OutboxItem:
    """A stored notification and where its delivery stands."""

    project_id: str
    notification_id: str
    group_key: str
    channel: str
    seq: int
    created_at: datetime
    firing: list[str]
    resolved: list[str]
    body: str
    status: Status
    queued_at: datetime
    attempts: int
    next_attempt_at: datetime
    last_error: str

    @property
    def rule_id(self) -> str:
        return self.group_key.split("/", 1)[1]

    @property
    def channel_index(self) -> int:
        return int(self.channel.split(":", 1)[0])

    def row(self) -> list[object]:
        return [*(getattr(self, name) for name in _COLUMNS[:-1]), next_version()]


def item(notification: Notification) -> OutboxItem:
    """The outbox row for a fresh notification."""
    return OutboxItem(
        project_id=notification.group.rule.project_id,
        notification_id=notification.id,
        group_key=notification.group.key,
        channel=notification.channel,
        seq=notification.seq,
        created_at=notification.created_at,
        firing=sorted(notification.remembered_firing),
        resolved=sorted(a.fingerprint for a in notification.resolved),
        body=orjson.dumps(body(notification)).decode(),
        status="pending" if notification.deliver else "skipped",
        queued_at=notification.created_at,
        attempts=0,
        next_attempt_at=notification.created_at,
        last_error="",
    )


class Outbox:
    """alert_notifications, read and written by the engine; the API reads it and re-queues failures."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def write(self, items: list[OutboxItem]) -> None:
        if items:
            self.store.client().insert("alert_notifications", [i.row() for i in items], column_names=_COLUMNS)

    def pending(self) -> list[OutboxItem]:
        """Everything still to deliver, oldest first per (group, channel)."""
        return self._select("status = 'pending'", {}, "group_key, channel, seq")

    def log(self) -> dict[tuple[str, str], LogEntry]:
        """The newest notification per (group, channel): what each channel was last told."""
        rows = self.store.rows(
            "SELECT group_key, channel, argMax(tuple(seq, firing, resolved, created_at), seq) AS last "
            "FROM alert_notifications FINAL GROUP BY group_key, channel"
        )
        entries = {}
        for row in rows:
            seq, firing, resolved, created_at = row["last"]
            entries[(row["group_key"], row["channel"])] = LogEntry(
                seq, frozenset(firing), frozenset(resolved), created_at
            )
        return entries

    def get(self, project_id: str, notification_id: str) -> OutboxItem | None:
        found = self._select(
            "project_id = {p:String} AND notification_id = {n:String}", {"p": project_id, "n": notification_id}, "seq"
        )
        return found[0] if found else None

    def for_alert(self, project_id: str, fingerprint: str, limit: int = 100) -> list[OutboxItem]:
        """Notifications that announced or resolved this alert, newest first."""
        return self._select(
            "project_id = {p:String} AND (has(firing, {f:String}) OR has(resolved, {f:String}))",
            {"p": project_id, "f": fingerprint},
            f"created_at DESC, seq DESC LIMIT {int(limit)}",
        )

    def retry(self, found: OutboxItem, now: datetime) -> OutboxItem:
        """Queue a failed notification again, with a fresh give-up age."""
        again = replace(found, status="pending", queued_at=now, attempts=0, next_attempt_at=now, last_error="")
        self.write([again])
        return again

    def _select(self, where: str, params: dict[str, object], order: str) -> list[OutboxItem]:
        rows = self.store.rows(f"SELECT * FROM alert_notifications FINAL WHERE {where} ORDER BY {order}", params)
        return [OutboxItem(**{name: row[name] for name in _COLUMNS[:-1]}) for row in rows]
