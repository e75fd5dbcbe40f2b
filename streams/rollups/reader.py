"""Measure rows for a time range: rollups for its settled whole minutes, raw rows for everything else.

Everything else is the partial minutes at the range's edges and the minutes the builder has not caught up
with yet (the newest few seconds, a late event, a backfill in progress). Both kinds of rows have the same
columns and meaning (measures.py), so a reader merges them without knowing where each came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from telltale_server.schemas.store import Store
from telltale_server.streams.rollups import changes
from telltale_server.streams.rollups.measures import COLUMNS, FEEDBACK_LOOKBACK_S, SOURCES, RawScope, raw_measures

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Segment:
    """[start, end) of event time, tagged `part` in the rows it yields (e.g. a window and its lookback)."""

    start: datetime
    end: datetime
    part: int = 0


def source(
    store: Store,
    project_id: str,
    segments: list[Segment],
    tags: list[str] | None = None,
    rollups: bool = True,
    unsettled: Sequence[datetime] | None = None,
    sources: frozenset[str] = frozenset(SOURCES),
    calls: str = "",
) -> tuple[str, dict[str, Any]]:
    """SQL of measure rows (COLUMNS and `part`) covering the segments, and its parameters.

    Filtering by tags needs each call's tags, which rollups do not keep: such a read takes raw rows only, as
    does one with `rollups` off. `unsettled`: the project's unsettled minutes over (at least) the segments,
    when the caller looked them up once for many reads. `sources`: the raw tables whose measures are needed
    (raw rows of the others are not read). `calls`: a condition on inference rows the measured calls must meet,
    which, like tags, only raw rows can answer."""
    params: dict[str, Any] = {"p": project_id}
    conditions = [calls] if calls else []
    if tags:
        params["f_tags"] = tags
        conditions.append("hasAll(tags, {f_tags:Array(String)})")
    tagged = " AND ".join(f"({condition})" for condition in conditions)
    parts = []
    for index, segment in enumerate(segments):
        sql, more = _segment(store, project_id, segment, index, tagged, rollups and not tagged, unsettled, sources)
        parts += sql
        params.update(more)
    return " UNION ALL ".join(parts), params


def _segment(
    store: Store,
    project_id: str,
    segment: Segment,
    i: int,
    tagged: str,
    rollups: bool,
    unsettled: Sequence[datetime] | None,
    sources: frozenset[str],
) -> tuple[list[str], dict[str, Any]]:
    lo, hi = ceil_minute(segment.start), floor_minute(segment.end)
    params: dict[str, Any] = {}
    sql = []
    raw = [(segment.start, segment.end)]
    if rollups and lo < hi:
        if unsettled is None:
            dirty = changes.unsettled(store, project_id, lo, hi)
        else:
            dirty = [minute for minute in unsettled if lo <= minute < hi]
        sql.append(
            f"SELECT {', '.join(COLUMNS)}, {segment.part} AS part FROM metric_rollups FINAL "
            f"WHERE project_id = {{p:String}} AND minute >= {{lo{i}:DateTime}} AND minute < {{hi{i}:DateTime}} "
            f"AND minute NOT IN {{dirty{i}:Array(DateTime)}}"
        )
        params.update({f"lo{i}": lo, f"hi{i}": hi, f"dirty{i}": dirty})
        raw = [(segment.start, lo), *_ranges(dirty), (hi, segment.end)]
    raw = [(a, b) for a, b in raw if a < b]
    if raw:
        where = []
        for j, (a, b) in enumerate(raw):
            where.append(f"(ts >= {{r{i}_{j}a:DateTime64(3)}} AND ts < {{r{i}_{j}b:DateTime64(3)}})")
            params.update({f"r{i}_{j}a": a, f"r{i}_{j}b": b})
        scope = RawScope(
            where=f"({' OR '.join(where)})",
            calls_from=f"{{c{i}a:DateTime64(3)}}",
            calls_to=f"{{c{i}b:DateTime64(3)}}",
            tagged=tagged,
        )
        params[f"c{i}a"] = floor_minute(segment.start) - timedelta(seconds=FEEDBACK_LOOKBACK_S)
        params[f"c{i}b"] = ceil_minute(segment.end) + MINUTE
        sql.append(f"SELECT *, {segment.part} AS part FROM ({raw_measures(scope, sources)})")
    return sql, params


def _ranges(minutes: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Minutes as [start, end) ranges, consecutive ones joined."""
    ranges: list[tuple[datetime, datetime]] = []
    for minute in sorted(minutes):
        if ranges and ranges[-1][1] == minute:
            ranges[-1] = (ranges[-1][0], minute + MINUTE)
        else:
            ranges.append((minute, minute + MINUTE))
    return ranges


def floor_minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def ceil_minute(moment: datetime) -> datetime:
    floor = floor_minute(moment)
    return floor if floor == moment else floor + MINUTE
