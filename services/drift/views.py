"""Reads stored drift results: runs per window and segment with their signals, and the reports."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from telltale_server.schemas.store import Store

RUNS = """
SELECT run_id, monitor_id, window_start, window_end, segment, reference, status, n_current, n_reference,
       n_signals, n_drifted, share_drifted, drift_share_threshold, error, code_version, computed_at
FROM drift_runs FINAL
WHERE project_id = {p:String} AND window_start >= {start:DateTime64(3)} AND window_start < {end:DateTime64(3)}
  AND ({monitor:String} = '' OR monitor_id = {monitor:String})
  AND ({segment:String} = '' OR segment = {segment:String})
  AND ({status:String} = '' OR status = {status:String})
ORDER BY window_start DESC, monitor_id, segment
LIMIT {limit:UInt32}
"""
SIGNALS = """
SELECT run_id, signal, kind, status, test, score, threshold, n_current, n_reference
FROM drift_signals FINAL
WHERE project_id = {p:String} AND window_start >= {start:DateTime64(3)} AND window_start < {end:DateTime64(3)}
  AND run_id IN {runs:Array(String)}
ORDER BY run_id, status = 'drift' DESC, signal
"""


def runs(
    store: Store,
    project_id: str,
    start: datetime,
    end: datetime,
    monitor: str = "",
    segment: str = "",
    status: str = "",
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The newest runs first, each with its signals (drifted ones first) and whether a report exists."""
    params = {"p": project_id, "start": start, "end": end, "monitor": monitor, "segment": segment}
    found = store.rows(RUNS, {**params, "status": status, "limit": limit})
    if not found:
        return []
    ids = [row["run_id"] for row in found]
    by_run: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in store.rows(SIGNALS, {**params, "runs": ids}):
        by_run[row.pop("run_id")].append(row)
    with_report = set(
        store.column(
            "SELECT DISTINCT run_id FROM drift_reports "
            "WHERE project_id = {p:String} AND run_id IN {runs:Array(String)}",
            {"p": project_id, "runs": ids},
        )
    )
    return [{**row, "signals": by_run[row["run_id"]], "has_report": row["run_id"] in with_report} for row in found]


def report(store: Store, project_id: str, run_id: str) -> str | None:
    """A run's HTML report, or None (no such run in this project, or no report for it)."""
    rows = store.rows(
        "SELECT html FROM drift_reports FINAL WHERE project_id = {p:String} AND run_id = {r:String}",
        {"p": project_id, "r": run_id},
    )
    return rows[0]["html"] if rows else None
