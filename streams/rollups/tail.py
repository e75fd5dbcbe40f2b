"""A pass's raw tail: the measure rows the rollups cannot answer yet, computed once for the many reads of a pass.

An alert pass reads every rule's window; each window's settled minutes come from the rollups, and what is left
(minutes not rolled up yet, the current partial minute) is the same for every window of a project that starts
on a minute. Measuring it from raw rows costs the same fixed passes over the raw tables whatever its size, so
it is measured once into a Memory table that the pass's reads take their raw rows from, then dropped.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telltale_server.schemas.store import Store
from telltale_server.streams.rollups import changes
from telltale_server.streams.rollups.measures import COLUMNS
from telltale_server.streams.rollups.reader import Tail, floor_minute, ranges, raw_sql

PREFIX = "pass_tail_"
STALE = timedelta(minutes=10)
"""A tail table older than this was left by a pass that crashed: sweeping removes it."""


def build(store: Store, project_id: str, start: datetime, now: datetime) -> Tail:
    """The project's raw measure rows of its unsettled minutes from the minute of `start`, and of [the minute of
    `now`, `now`): what reads of windows starting on a minute at or after `start` and ending at `now` need."""
    since = floor_minute(now)
    unsettled = changes.unsettled(store, project_id, floor_minute(start), since)
    table = f"{PREFIX}{int(time.time())}_{uuid.uuid4().hex}"
    covered = ranges(unsettled)
    if since < now:
        covered.append((since, now))
    if covered:
        measures, params = raw_sql(covered, "t")
        store.command(f"CREATE TABLE {table} ENGINE = Memory AS {measures}", {"p": project_id, **params})
    else:
        empty = f"SELECT {', '.join(COLUMNS)} FROM metric_rollups WHERE 0"
        store.command(f"CREATE TABLE {table} ENGINE = Memory AS {empty}")
    return Tail(table, tuple(unsettled), floor_minute(start), since, now)


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


class SharedTails:
    """Raw tails shared by the reads of one page: the console sends its chart requests at once over the same range,
    so the first measures the tail and the others wait for it and use it; kept `keep_s` after its last read for
    the requests that come a moment later, then dropped."""

    def __init__(self, store: Store, keep_s: float = 10.0) -> None:
        self.store = store
        self.keep_s = keep_s
        self._lock = threading.Lock()
        self._shared: dict[tuple[str, datetime, datetime], _Shared] = {}

    @contextlib.contextmanager
    def use(self, project_id: str, start: datetime, end: datetime) -> Iterator[Tail]:
        """The project's tail for reads of [start, end): its unsettled minutes from the minute of `start`, and the
        partial minute before `end`."""
        key = (project_id, floor_minute(start), end)
        with self._lock:
            expired = self._expired()
            shared = self._covering(key)
            building = shared is None
            if shared is None:
                shared = self._shared[key] = _Shared()
            shared.readers += 1
        for old in expired:
            drop(self.store, old)
        try:
            if building:
                self._build(shared, key)
            yield shared.made.result()
        finally:
            with self._lock:
                shared.readers -= 1
                shared.last_read = time.monotonic()

    def close(self) -> None:
        """Drop every tail still kept."""
        with self._lock:
            kept = [shared.made.result() for shared in self._shared.values() if _built(shared)]
            self._shared.clear()
        for made in kept:
            drop(self.store, made)

    def _build(self, shared: _Shared, key: tuple[str, datetime, datetime]) -> None:
        try:
            shared.made.set_result(build(self.store, *key))
        except Exception as failed:
            with self._lock:
                self._shared.pop(key, None)
            shared.made.set_exception(failed)

    def _covering(self, key: tuple[str, datetime, datetime]) -> _Shared | None:
        """A kept tail the read can use: the project's, to the same end, from the read's start or earlier (called
        under the lock)."""
        project_id, start, end = key
        found = [k for k in self._shared if k[0] == project_id and k[2] == end and k[1] <= start]
        return self._shared[max(found)] if found else None

    def _expired(self) -> list[Tail]:
        """Take out the built tails nobody read for `keep_s` (called under the lock); the caller drops them."""
        oldest = time.monotonic() - self.keep_s
        gone = [
            key
            for key, shared in self._shared.items()
            if shared.readers == 0 and shared.last_read < oldest and _built(shared)
        ]
        return [self._shared.pop(key).made.result() for key in gone]


@dataclass
class _Shared:
    made: Future[Tail] = field(default_factory=Future)
    readers: int = 0
    last_read: float = field(default_factory=time.monotonic)


def _built(shared: _Shared) -> bool:
    return shared.made.done() and shared.made.exception() is None
