"""Which minutes the rollups can answer: a minute is settled when it was built at the change count it has now.

Materialized views on the raw tables add one change per insert that touches a project's minute (the store
counts them itself, whatever wrote the rows: ingest, the Kafka store role, the runner, replay, a hand-made
INSERT). A raw part is visible before the change its view writes, so a builder that reads the count first
and the raw rows second never records a count whose rows it did not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from telltale_server.schemas.store import Store


@dataclass(frozen=True)
class Pending:
    """A minute whose rollup is missing or older than its changes."""

    project_id: str
    minute: datetime
    changes: int


_COUNTS = (
    "SELECT c.project_id AS project_id, c.minute AS minute, c.n AS changes, c.at AS changed_at FROM "
    "(SELECT project_id, minute, sum(changes) AS n, max(changed_at) AS at FROM rollup_changes {where} "
    "GROUP BY project_id, minute) AS c "
    "LEFT JOIN (SELECT project_id, minute, argMax(changes, built_at) AS n FROM rollup_minutes {where} "
    "GROUP BY project_id, minute) AS s ON c.project_id = s.project_id AND c.minute = s.minute "
    "WHERE c.n != s.n"
)


def pending(store: Store, limit: int = 10_000, project_id: str | None = None, quiet_s: float = 0.0) -> list[Pending]:
    """Unsettled minutes, newest first (live traffic settles before an old backfill finishes); with `quiet_s`, only
    those not changed for that long, so a minute still receiving events is built once it is done, not each pass."""
    where = "WHERE project_id = {p:String}" if project_id else ""
    rows = store.rows(
        _COUNTS.format(where=where) + " AND c.at < now64(3) - toIntervalMillisecond({quiet:UInt32}) "
        "ORDER BY minute DESC, project_id LIMIT {limit:UInt32}",
        {"limit": limit, "p": project_id or "", "quiet": round(quiet_s * 1000)},
    )
    return [Pending(row["project_id"], row["minute"], int(row["changes"])) for row in rows]


def count_pending(store: Store, project_id: str | None = None) -> int:
    """How many minutes (of one project, or of all) still need building."""
    where = "WHERE project_id = {p:String}" if project_id else ""
    sql = f"SELECT count() AS n FROM ({_COUNTS.format(where=where)})"
    return int(store.rows(sql, {"p": project_id or ""})[0]["n"])


def unsettled(store: Store, project_id: str, start: datetime, end: datetime) -> list[datetime]:
    """The project's minutes in [start, end) that readers must take from raw rows."""
    where = "WHERE project_id = {p:String} AND minute >= {start:DateTime} AND minute < {end:DateTime}"
    rows = store.rows(_COUNTS.format(where=where), {"p": project_id, "start": start, "end": end})
    return sorted(row["minute"] for row in rows)


def touch(store: Store, project_id: str | None, start: datetime, end: datetime) -> int:
    """Mark every minute with rows in [start, end) changed, so the builder rebuilds it (replay); returns minutes."""
    where = "ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)}"
    if project_id:
        where += " AND project_id = {p:String}"
    minutes = " UNION ALL ".join(
        f"SELECT project_id, toStartOfMinute(ts) AS minute FROM {table} WHERE {where} GROUP BY project_id, minute"
        for table in ("inference_events", "evaluations", "feedback_events")
    )
    params = {"start": start, "end": end, "p": project_id or ""}
    store.command(
        "INSERT INTO rollup_changes (project_id, minute, changes, changed_at) "
        f"SELECT DISTINCT project_id, minute, toUInt64(1), now64(3) FROM ({minutes})",
        params,
    )
    return int(
        store.rows(f"SELECT count() AS n FROM (SELECT DISTINCT project_id, minute FROM ({minutes}))", params)[0]["n"]
    )
