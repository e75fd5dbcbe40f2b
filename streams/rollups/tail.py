"""A pass's raw tail: the measure rows the rollups cannot answer yet, computed once for the many reads of a pass.

An alert pass reads every rule's window; each window's settled minutes come from the rollups, and what is left
(minutes not rolled up yet, the current partial minute) is the same for every window of a project that starts
on a minute. Measuring it from raw rows costs the same fixed passes over the raw tables whatever its size, so
it is measured once into a Memory table that the pass's reads take their raw rows from, then dropped.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from telltale_server.schemas.store import Store
from telltale_server.streams.rollups.measures import COLUMNS
from telltale_server.streams.rollups.reader import Tail, floor_minute, ranges, raw_sql

PREFIX = "pass_tail_"
STALE = timedelta(minutes=10)
"""A tail table older than this was left by a pass that crashed: sweeping removes it."""


def build(store: Store, project_id: str, unsettled: Sequence[datetime], now: datetime) -> Tail:
    """The project's raw measure rows of its unsettled minutes and of [the minute of `now`, `now`)."""
    since = floor_minute(now)
    table = f"{PREFIX}{int(time.time())}_{uuid.uuid4().hex}"
    covered = [(a, b) for a, b in ranges([m for m in unsettled if m < since]) if a < b]
    if since < now:
        covered.append((since, now))
    if covered:
        measures, params = raw_sql(covered, "t")
        store.command(f"CREATE TABLE {table} ENGINE = Memory AS {measures}", {"p": project_id, **params})
    else:
        empty = f"SELECT {', '.join(COLUMNS)} FROM metric_rollups WHERE 0"
        store.command(f"CREATE TABLE {table} ENGINE = Memory AS {empty}")
    return Tail(table, tuple(unsettled), since, now)


def drop(store: Store, tail: Tail) -> None:
    store.command(f"DROP TABLE IF EXISTS {tail.table}")


def sweep(store: Store, stale: timedelta = STALE) -> list[str]:
    """Drop the tail tables a crashed pass left behind (made more than `stale` ago, as their names say); returns
    their names."""
    names = store.column(
        "SELECT name FROM system.tables WHERE database = currentDatabase() AND startsWith(name, {prefix:String})",
        {"prefix": PREFIX},
    )
    oldest = time.time() - stale.total_seconds()
    found = [name for name in names if int(name.removeprefix(PREFIX).split("_")[0]) <= oldest]
    for name in found:
        store.command(f"DROP TABLE IF EXISTS {name}")
    return found
