"""The rollup builder: rebuilds each unsettled minute from deduplicated raw rows, then records it settled.

A rebuild replaces the minute's rows (newest `built_at` wins; groups that vanished get a deleted row), so
building a minute twice, or after a crash half way, or after a replay, gives the same rows as building it
once. Both runners drive it the same way: local mode in the server process, cluster mode in
`telltale jobs` under its own lease (`gate`); `telltale migrate` and `telltale replay --rollups` run it to
the end with a progress bar.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from telltale_server.schemas.store import Store
from telltale_server.streams.rollups import changes
from telltale_server.streams.rollups.measures import COLUMNS, KEYS, RECENT_S, RawScope, merged, raw_measures

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
"""Told (minutes built, minutes pending at the start) after every run of minutes."""
MAX_RUN = timedelta(minutes=15)
"""At most this many consecutive minutes are built by one query, which bounds its memory."""
_FOREGROUND = " SETTINGS distributed_foreground_insert = 1"
"""On a cluster, an insert returns once its rows are on their shards, so a settled mark never precedes them."""


class RollupBuilder:
    """Builds pending minutes; `run` repeats every `interval_s` until stopped (the background job)."""

    name = "rollups"

    def __init__(
        self, store: Store, interval_s: float = 2.0, gate: Callable[[], bool] | None = None, quiet_s: float = 5.0
    ) -> None:
        self.store = store
        self.interval_s = interval_s
        self.quiet_s = quiet_s
        """The background job builds a minute once nothing changed it for this long (readers use raw rows till then)."""
        self.gate = gate
        self.built = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                if self.gate is None or await asyncio.to_thread(self.gate):
                    await asyncio.to_thread(self.build_pending, None, _after_one_run(stop), None, self.quiet_s)
            except Exception:
                log.exception("rollup pass failed; retrying in %.0f s", self.interval_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval_s)

    def build_pending(
        self,
        progress: Progress | None = None,
        stopped: Callable[[], bool] = lambda: False,
        project_id: str | None = None,
        quiet_s: float = 0.0,
    ) -> int:
        """Build every pending minute (of one project, or all; unchanged for `quiet_s`), newest first in runs of
        consecutive minutes. Returns how many minutes were built; `stopped` is asked between runs."""
        total = changes.count_pending(self.store, project_id)
        done = 0
        while not stopped() and (batch := changes.pending(self.store, project_id=project_id, quiet_s=quiet_s)):
            for run in _runs(batch):
                self.build(run)
                done += len(run)
                if progress is not None:
                    progress(done, max(total, done))
                if stopped():
                    break
        self.built += done
        return done

    def build(self, run: list[changes.Pending]) -> None:
        """Rebuild consecutive minutes of one project from raw rows and mark them settled at their change counts."""
        project_id = run[0].project_id
        start = min(p.minute for p in run)
        end = max(p.minute for p in run) + timedelta(minutes=1)
        params = {"p": project_id, "start": start, "end": end}
        in_run = "project_id = {p:String} AND minute >= {start:DateTime} AND minute < {end:DateTime}"
        keys = ", ".join(KEYS)
        self.store.command(
            f"INSERT INTO metric_rollups ({keys}, built_at, deleted) SELECT {keys}, now64(6), 1 "
            f"FROM metric_rollups FINAL WHERE {in_run}{_FOREGROUND}",
            params,
        )
        scope = RawScope(
            where="ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)}",
            calls_from="{start:DateTime64(3)} - toIntervalSecond(604800)",
            calls_to="{end:DateTime64(3)}",
            recent=f"ts >= {{start:DateTime64(3)}} - toIntervalSecond({RECENT_S}) AND ts < {{end:DateTime64(3)}}",
        )
        self.store.command(
            f"INSERT INTO metric_rollups ({', '.join(COLUMNS)}, built_at, deleted) "
            f"SELECT {keys}, {merged()}, now64(6), 0 FROM ({raw_measures(scope)}) GROUP BY {keys}{_FOREGROUND}",
            params,
        )
        built_at = datetime.now(UTC)
        self.store.client().insert(
            "rollup_minutes",
            [[p.project_id, p.minute, p.changes, built_at] for p in run],
            column_names=["project_id", "minute", "changes", "built_at"],
            settings={"distributed_foreground_insert": 1},
        )

    def settle(self, progress: Progress | None = None, project_id: str | None = None) -> int:
        """Build until nothing is pending (a backfill, or after a replay); returns minutes built."""
        started = time.monotonic()
        built = self.build_pending(progress, project_id=project_id)
        log.info("rollups: built %d minute(s) in %.1f s", built, time.monotonic() - started)
        return built


def _after_one_run(stop: asyncio.Event) -> Callable[[], bool]:
    """The background job builds one run per pass: it gives the store back between runs and stops promptly."""
    asked = iter((False,))
    return lambda: stop.is_set() or next(asked, True)


def _runs(batch: list[changes.Pending]) -> Iterator[list[changes.Pending]]:
    """Consecutive minutes of one project, at most MAX_RUN long."""
    ordered = sorted(batch, key=lambda p: (p.project_id, p.minute))
    run: list[changes.Pending] = []
    for item in ordered:
        if run and (
            item.project_id != run[-1].project_id
            or item.minute - run[-1].minute != timedelta(minutes=1)
            or item.minute - run[0].minute >= MAX_RUN
        ):
            yield run
            run = []
        run.append(item)
    if run:
        yield run
