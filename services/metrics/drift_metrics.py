"""Drift metrics: read from the drift results, which are already one row per window and segment (a rollup
whose size follows the number of windows, not the traffic), labelled by the store (migration 0034)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telltale_server.services.metrics.metric_window import LABELS, Window


def _where(window: Window, table_has_tags: bool, start: str = "start") -> str:
    """The window and filter conditions; tags live on inference_events only, so other tables look them up."""
    parts = [
        "project_id = {p:String}",
        f"ts >= {{{start}:DateTime64(3)}}",
        "ts < {end:DateTime64(3)}",
    ]
    parts += [f"{label} IN {{f_{label}:Array(String)}}" for label in LABELS if getattr(window.filters, label)]
    if window.filters.tags:
        if table_has_tags:
            parts.append("hasAll(tags, {f_tags:Array(String)})")
        else:
            parts.append(
                "event_id IN (SELECT event_id FROM inference_events WHERE project_id = {p:String} "
                "AND ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)} AND hasAll(tags, {f_tags:Array(String)}))"
            )
    return " AND ".join(parts)


def drift_query(
    select: str, samples: str, table: str, only: str = "", **extra: Any
) -> Callable[[Window], tuple[str, dict[str, Any]]]:
    """A metric over drift results of windows that closed in the rule's window, labelled by their segment.

    Grouped by a label, each segment of that field ('model=gpt-4o') is a group; ungrouped, the 'all'
    segment counts, or, when labels are filtered, the matching segments. Windows without a verdict
    (insufficient data, errors) are left out."""

    def query(window: Window) -> tuple[str, dict[str, Any]]:
        columns = f"project_id, window_end AS ts, segment, status, n_current, share_drifted, score, {', '.join(LABELS)}"
        columns = columns.replace(
            *(("score", "NULL AS score") if table == "drift_runs" else ("share_drifted", "NULL AS share_drifted"))
        )
        inner = (
            f"(SELECT {columns}, CAST([] AS Array(String)) AS tags FROM {table} FINAL "
            f"WHERE project_id = {{p:String}} {only})"
        )
        if len(window.group_by) > 1:
            segments = "0 = 1"
        elif window.group_by:
            segments = f"segment LIKE '{window.group_by[0]}=%'"
        elif any(getattr(window.filters, label) for label in LABELS):
            segments = "segment != 'all'"
        else:
            segments = "segment = 'all'"
        source = f"{inner} WHERE {_where(window, True)} AND {segments} AND status IN ('ok', 'drift')"
        return window.grouped(f"{select} AS value, {samples} AS samples", source), window.params(**extra)

    return query
