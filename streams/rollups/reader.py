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
from telltale_server.streams.rollups.measures import (
    COLUMNS,
    FEEDBACK_LOOKBACK_S,
    RECENT_S,
    SOURCES,
    RawScope,
    raw_measures,
)

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Segment:
    """[start, end) of event time, tagged `part` in the rows it yields (e.g. a window and its lookback)."""

    start: datetime
    end: datetime
    part: int = 0


@dataclass(frozen=True)
class Tail:
    """Raw measure rows already computed into `table` for `unsettled` and for [since, until) (streams/rollups/
    tail.py): a read whose segments start on minutes takes its raw rows from there instead of raw tables."""

    table: str
    unsettled: tuple[datetime, ...]
    start: datetime
    """The first minute whose unsettled state the tail knows: it serves no read before it."""
    since: datetime
    until: datetime


def source(
    store: Store,
    project_id: str,
    segments: list[Segment],
    tags: list[str] | None = None,
    rollups: bool = True,
    unsettled: Sequence[datetime] | None = None,
    sources: frozenset[str] = frozenset(SOURCES),
    tail: Tail | None = None,
    calls: str = "",
) -> tuple[str, dict[str, Any]]:
    """SQL of measure rows (COLUMNS and `part`) covering the segments, and its parameters.

    Filtering by tags needs each call's tags, which rollups do not keep: such a read takes raw rows only, as
    does one with `rollups` off. `unsettled`: the project's unsettled minutes over (at least) the segments,
    when the caller looked them up once for many reads. `sources`: the raw tables whose measures are needed
    (raw rows of the others are not read). `tail`: the raw rows a pass computed once, used by a read over whole
    minutes (else ignored). `calls`: a condition on inference rows the measured calls must meet, which, like tags,
    only raw rows can answer."""
    params: dict[str, Any] = {"p": project_id}
    conditions = [calls] if calls else []
    if tags:
        params["f_tags"] = tags
        conditions.append("hasAll(tags, {f_tags:Array(String)})")
    tagged = " AND ".join(f"({condition})" for condition in conditions)
    usable = tail if tail is not None and rollups and not tagged and all(_covers(tail, s) for s in segments) else None
    parts = []
    for index, segment in enumerate(segments):
        if usable is not None:
            sql, more = _from_tail(usable, segment, index)
        else:
            rolled = rollups and not tagged
            sql, more = _segment(store, project_id, segment, index, tagged, rolled, unsettled, sources)
        parts += sql
        params.update(more)
    return " UNION ALL ".join(parts), params


def _covers(tail: Tail, segment: Segment) -> bool:
    """Whether the tail holds exactly the raw minutes of the segment: it starts on a minute the tail knows and ends
    on one (before the tail's partial minute) or where the tail ends."""
    return floor_minute(segment.start) == segment.start >= tail.start and (
        (floor_minute(segment.end) == segment.end and segment.end <= tail.since) or segment.end == tail.until
    )


def _from_tail(tail: Tail, segment: Segment, i: int) -> tuple[list[str], dict[str, Any]]:
    """Rollups for the segment's settled minutes, the tail's rows for the rest (both only inside the segment)."""
    lo, hi = segment.start, floor_minute(segment.end)
    dirty = [minute for minute in tail.unsettled if lo <= minute < hi]
    bounds = f"minute >= {{lo{i}:DateTime}} AND minute < {{hi{i}:DateTime}}"
    sql = [
        f"SELECT {', '.join(COLUMNS)}, {segment.part} AS part FROM metric_rollups FINAL "
        f"WHERE project_id = {{p:String}} AND {bounds} AND minute NOT IN {{dirty{i}:Array(DateTime)}}",
        f"SELECT {', '.join(COLUMNS)}, {segment.part} AS part FROM {tail.table} "
        f"WHERE minute >= {{lo{i}:DateTime}} AND minute < {{end{i}:DateTime64(3)}} "
        f"AND (minute IN {{dirty{i}:Array(DateTime)}} OR minute >= {{hi{i}:DateTime}})",
    ]
    return sql, {f"lo{i}": lo, f"hi{i}": hi, f"end{i}": segment.end, f"dirty{i}": dirty}


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
        raw = [(segment.start, lo), *ranges(dirty), (hi, segment.end)]
    raw = [(a, b) for a, b in raw if a < b]
    if raw:
        measures, more = raw_sql(raw, f"{i}_", tagged, sources)
        sql.append(f"SELECT *, {segment.part} AS part FROM ({measures})")
        params.update(more)
    return sql, params


def raw_sql(
    ranges: list[tuple[datetime, datetime]],
    name: str,
    tagged: str = "",
    sources: frozenset[str] = frozenset(SOURCES),
) -> tuple[str, dict[str, Any]]:
    """Measure rows (COLUMNS) of the project's raw rows in the ranges of event time, and their parameters (each
    named with the prefix `name`, so several such reads fit in one query); `tagged`: a condition on inference rows
    the measured calls must meet (none if empty)."""
    params: dict[str, Any] = {}
    where, recent = [], []
    for j, (a, b) in enumerate(ranges):
        where.append(f"(ts >= {{r{name}{j}a:DateTime64(3)}} AND ts < {{r{name}{j}b:DateTime64(3)}})")
        recent.append(f"(ts >= {{r{name}{j}ra:DateTime64(3)}} AND ts < {{r{name}{j}rb:DateTime64(3)}})")
        params.update({f"r{name}{j}a": a, f"r{name}{j}b": b})
        params.update(
            {f"r{name}{j}ra": floor_minute(a) - timedelta(seconds=RECENT_S), f"r{name}{j}rb": ceil_minute(b) + MINUTE}
        )
    scope = RawScope(
        where=f"({' OR '.join(where)})",
        calls_from=f"{{c{name}a:DateTime64(3)}}",
        calls_to=f"{{c{name}b:DateTime64(3)}}",
        recent=" OR ".join(recent),
        tagged=tagged,
    )
    params[f"c{name}a"] = floor_minute(min(a for a, _ in ranges)) - timedelta(seconds=FEEDBACK_LOOKBACK_S)
    params[f"c{name}b"] = ceil_minute(max(b for _, b in ranges)) + MINUTE
    return raw_measures(scope, sources), params


def ranges(minutes: list[datetime]) -> list[tuple[datetime, datetime]]:
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
