"""Acknowledgements: someone is on it. An ack stops repeats of one incident; it never resolves it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from telltale_server.schemas.row_versions import next_version
from telltale_server.schemas.store import Store


@dataclass(frozen=True)
class Ack:
    """Who acknowledged which incident (a fingerprint and the incident's `active_since`)."""

    project_id: str
    fingerprint: str
    active_since: datetime
    acked_by: str
    comment: str
    acked_at: datetime


class AckStore:
    """alert_acks: written by the API, read by the notifier every pass."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def ack(self, project_id: str, fingerprint: str, active_since: datetime, acked_by: str, comment: str) -> Ack:
        ack = Ack(project_id, fingerprint, active_since, acked_by, comment, datetime.now(UTC))
        row = [project_id, fingerprint, active_since, acked_by, comment, ack.acked_at, next_version()]
        self.store.client().insert(
            "alert_acks",
            [row],
            column_names=["project_id", "fingerprint", "active_since", "acked_by", "comment", "acked_at", "version"],
        )
        return ack

    def incidents(self) -> set[tuple[str, str, datetime]]:
        """(project, fingerprint, active_since) of every acknowledged incident of the last 30 days."""
        rows = self.store.rows(
            "SELECT project_id, fingerprint, active_since FROM alert_acks FINAL "
            "WHERE acked_at > now64(3) - INTERVAL 30 DAY"
        )
        return {(row["project_id"], row["fingerprint"], row["active_since"]) for row in rows}

    def find(self, project_id: str, fingerprint: str, active_since: datetime) -> Ack | None:
        rows = self.store.rows(
            "SELECT * FROM alert_acks FINAL WHERE project_id = {p:String} AND fingerprint = {f:String} "
            "AND active_since = {s:DateTime64(3)}",
            {"p": project_id, "f": fingerprint, "s": active_since},
        )
        if not rows:
            return None
        row = rows[0]
        return Ack(
            row["project_id"], row["fingerprint"], row["active_since"], row["acked_by"], row["comment"], row["acked_at"]
        )
