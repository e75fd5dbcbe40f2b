"""`telltale replay`: re-score stored events, fill what the overload sample skipped, recompute drift windows or
rebuild rollups - in either mode, against the store the settings name."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from telltale_server.schemas.settings import Settings
from telltale_server.schemas.store import Store
from telltale_server.schemas.times import utc
from telltale_server.services.cli.commands import settings_from
from telltale_server.services.cli.progress import ProgressBar
from telltale_server.streams.drift.job import ACTIVE_WITHIN, DriftJob
from telltale_server.streams.drift.monitors import StoredMonitors
from telltale_server.streams.drift.results import active_projects
from telltale_server.streams.evaluators import registry
from telltale_server.streams.evaluators.policy import StoredPolicies
from telltale_server.streams.pipeline import Pipeline
from telltale_server.streams.replay import Replay
from telltale_server.streams.rollups import changes
from telltale_server.streams.rollups.builder import RollupBuilder
from telltale_server.streams.runners.gaps import Gaps
from telltale_server.streams.runners.pool import InProcess
from telltale_server.streams.runners.scoring import Scorer
from telltale_server.streams.sink import Sink


def replay(args: argparse.Namespace) -> int:
    """Re-evaluate stored events from `--from` with the current evaluator versions, showing progress."""
    settings = settings_from(args)
    if args.skipped:
        return _replay_skipped(settings)
    if args.from_ is None:
        print("telltale replay: --from is required (or --skipped)", file=sys.stderr)
        return 2
    start = utc(datetime.fromisoformat(args.from_))
    end = utc(datetime.fromisoformat(args.to)) if args.to else datetime.now(UTC)
    if args.drift:
        return _replay_drift(settings.store_url(), start, end, args)
    if args.rollups:
        return _replay_rollups(settings.store_url(), start, end, args.project)
    names = tuple(args.evaluator) if args.evaluator else registry.configured(settings)
    store = Store(settings.store_url())
    try:
        pipeline = Pipeline(registry.build(settings, names), StoredPolicies(store))
        run = Replay(store, pipeline, Sink(store), batch_size=args.batch)
        written = run.run(start, ProgressBar("replay", "events"))
    finally:
        store.close()
    versions = ", ".join(f"{e.name} v{e.version}" for e in pipeline.evaluators)
    skipped = f"; {run.unreadable} unreadable event(s) skipped" if run.unreadable else ""
    print(f"replay: wrote {written} evaluation rows ({versions}){skipped}")
    return 0


def _replay_skipped(settings: Settings) -> int:
    """Score what the overload sample left unscored, stretch by stretch, and mark each filled."""
    names = registry.configured(settings)
    store = Store(settings.store_url())
    try:
        gaps, scoring = Gaps(store, names), InProcess(Scorer(registry.build(settings, names)))
        before = gaps.unscored()
        filled = 0
        while gaps.fill_next(scoring, Sink(store), 500, StoredPolicies(store)):
            filled += 1
    finally:
        store.close()
    counts = ", ".join(f"{name} {count}" for name, count in sorted(before.items())) or "nothing"
    print(f"replay: filled {filled} skipped stretch(es); events scored per evaluator: {counts}")
    return 0


def _replay_drift(url: str, start: datetime, end: datetime, args: argparse.Namespace) -> int:
    """Recompute the drift windows starting in [start, end) of every (or one) project and monitor."""
    store = Store(url)
    job = DriftJob(store)
    try:
        projects = [args.project] if args.project else sorted(active_projects(store, start - ACTIVE_WITHIN))
        computed = 0
        for project_id in projects:
            for monitor in StoredMonitors(store).of_project(project_id):
                if args.monitor in (None, monitor.monitor_id) and not monitor.problem:
                    computed += asyncio.run(job.recompute(monitor, start, end))
    finally:
        job.pool.close()
        store.close()
    print(f"replay: recomputed {computed} drift window(s) from {start.isoformat()} to {end.isoformat()}")
    return 0


def _replay_rollups(url: str, start: datetime, end: datetime, project_id: str | None) -> int:
    """Rebuild the rollups of every minute with rows in [start, end) (of one project, or all) from raw rows."""
    store = Store(url)
    try:
        touched = changes.touch(store, project_id, start, end)
        built = RollupBuilder(store).settle(ProgressBar("rollups", "minutes"), project_id)
    finally:
        store.close()
    print(f"replay: rebuilt the rollups of {touched} minute(s) with rows ({built} built) from {start.isoformat()}")
    return 0
