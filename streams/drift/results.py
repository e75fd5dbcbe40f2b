"""Writes a window's results (runs, signals, reports) and reads back where each monitor got to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata

from telltale_server.schemas.store import Store
from telltale_server.schemas.version import server_version
from telltale_server.streams.drift.compute import SegmentResult

DRIFT_VERSION = "2"
"""Bump when the drift computation changes what it reports for the same data."""
RUN_NAMESPACE = uuid.UUID("5f0b2f3e-8f73-4d55-9d0e-6a1c2b7d9e41")


def code_version() -> str:
    """What computed a result: the server, this module's logic and the Evidently release."""
    return f"{server_version()}; drift {DRIFT_VERSION}; evidently {metadata.version('evidently')}"


def run_id(project_id: str, monitor_id: str, start: datetime, segment: str) -> str:
    """Deterministic: a recomputed window and segment replaces its older rows instead of adding to them."""
    return str(uuid.uuid5(RUN_NAMESPACE, f"{project_id}|{monitor_id}|{start.isoformat()}|{segment}"))


@dataclass(frozen=True)
class WindowKey:
    """Which monitor's which window the results belong to, and what it was compared with."""

    project_id: str
    monitor_id: str
    start: datetime
    end: datetime
    reference: str


def write(store: Store, key: WindowKey, results: list[SegmentResult]) -> list[str]:
    """Signals and reports first, the run rows last: a run row is the mark that the window is done."""
    now, version = datetime.now(UTC), code_version()
    runs, signals, reports = [], [], []
    for result in results:
        rid = run_id(key.project_id, key.monitor_id, key.start, result.segment)
        head = [key.project_id, rid, key.monitor_id, key.start, key.end, result.segment]
        for s in result.signals:
            signals.append(
                [*head, s.signal, s.kind, s.status, s.test, s.score, s.threshold, s.n_current, s.n_reference, now]
            )
        if result.html:
            reports.append([key.project_id, rid, result.html, now])
        evaluated = result.evaluated
        runs.append(
            [
                *head,
                key.reference,
                result.status,
                result.n_current,
                result.n_reference,
                len(evaluated),
                sum(s.drifted for s in evaluated),
                result.share,
                result.drift_share,
                result.error,
                version,
                now,
            ]
        )
    client = store.client()
    if signals:
        client.insert("drift_signals", signals, column_names=SIGNAL_COLUMNS)
    if reports:
        client.insert("drift_reports", reports, column_names=["project_id", "run_id", "html", "computed_at"])
    client.insert("drift_runs", runs, column_names=RUN_COLUMNS)
    return [str(row[1]) for row in runs]


HEAD_COLUMNS = ["project_id", "run_id", "monitor_id", "window_start", "window_end", "segment"]
SIGNAL_COLUMNS = [
    *HEAD_COLUMNS,
    *("signal", "kind", "status", "test", "score", "threshold", "n_current", "n_reference", "computed_at"),
]
RUN_COLUMNS = [
    *HEAD_COLUMNS,
    *("reference", "status", "n_current", "n_reference", "n_signals", "n_drifted", "share_drifted"),
    *("drift_share_threshold", "error", "code_version", "computed_at"),
]


def done_until(store: Store, project_id: str, monitor_id: str) -> datetime | None:
    """The end of the newest computed window of a monitor, or None before its first."""
    rows = store.rows(
        "SELECT max(window_end) AS end, count() AS n FROM drift_runs WHERE project_id = {p:String} "
        "AND monitor_id = {m:String}",
        {"p": project_id, "m": monitor_id},
    )
    return rows[0]["end"] if rows and rows[0]["n"] else None


def active_projects(store: Store, since: datetime) -> dict[str, datetime]:
    """Projects with events since `since`, and the time of each one's first such event."""
    rows = store.rows(
        "SELECT project_id, min(ts) AS first FROM inference_events WHERE ts >= {since:DateTime64(3)} "
        "GROUP BY project_id",
        {"since": since},
    )
    return {row["project_id"]: row["first"] for row in rows}


def last_arrival(store: Store, project_id: str, start: datetime, end: datetime) -> datetime | None:
    """When the newest event of a window arrived: a window is computed only once arrivals have settled."""
    rows = store.rows(
        "SELECT max(received_at) AS at, count() AS n FROM inference_events WHERE project_id = {p:String} "
        "AND ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)}",
        {"p": project_id, "start": start, "end": end},
    )
    return rows[0]["at"] if rows and rows[0]["n"] else None
