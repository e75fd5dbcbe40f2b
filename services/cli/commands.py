"""What each `telltale` sub-command does; argument parsing stays in main.py."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn

from telltale_server.schemas.migrate import migrate as apply_migrations
from telltale_server.schemas.settings import Settings
from telltale_server.schemas.store import Store
from telltale_server.services import heap
from telltale_server.services.api.app import create_app
from telltale_server.services.auth.keys import KeyRing
from telltale_server.services.auth.projects import bootstrap, create_project, project_exists
from telltale_server.services.cli import banner
from telltale_server.services.cli.evaluate import evaluate_lines, open_binary
from telltale_server.services.cli.progress import ProgressBar
from telltale_server.services.demo import history as demo_history
from telltale_server.services.demo import monitor as demo_monitor
from telltale_server.services.demo import rules as demo_rules
from telltale_server.services.demo.generator import DemoTraffic
from telltale_server.services.demo.sender import DemoSender
from telltale_server.services.jobs import process as background_jobs
from telltale_server.services.runtime import Runtime, open_cluster, open_local, parse_roles
from telltale_server.streams import telemetry
from telltale_server.streams.evaluators import registry
from telltale_server.streams.kafka.admin import ensure_topics
from telltale_server.streams.rollups.builder import RollupBuilder


def settings_from(args: argparse.Namespace) -> Settings:
    """Environment settings, with command-line flags taking precedence."""
    overrides: dict[str, Any] = {}
    for name in ("host", "port", "data_dir"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return Settings(**overrides)


def up(args: argparse.Namespace) -> int:
    """Local mode in one process: migrate, bootstrap on first start, serve, evaluate (and maybe demo)."""
    settings = settings_from(args)
    return _serve(settings, _open(settings, parse_roles(settings.roles)), args.demo_events if args.demo else None)


def api(args: argparse.Namespace) -> int:
    """The API role: on Kafka, ingest publishes and workers evaluate (`--roles` to run some here); else local mode."""
    settings = settings_from(args)
    embedded = settings.store_url().startswith("chdb://")
    roles = parse_roles(args.roles if args.roles is not None else ("store" if embedded else ""))
    if settings.kafka_bootstrap and embedded and "store" not in roles:
        print("telltale api: the embedded store needs the store role in this process (--roles store)", file=sys.stderr)
        return 2
    return _serve(settings, _open(settings, roles), None)


def _serve(settings: Settings, rt: Runtime, demo_events: int | None) -> int:
    """Bootstrap on first start, serve HTTP until stopped, and send demo traffic when asked."""
    first = bootstrap(rt.store, rt.keys, settings)
    url = f"http://{settings.host}:{settings.port}"
    if first is not None:
        print(banner.first_start(first, url), flush=True)
    if demo_events is not None:
        key, project_id = (first.ingest_key, first.project_id) if first and first.ingest_key else _demo_key(rt)
        if first is not None:  # a fresh data dir: the demo's drift monitor and alert rules come with it
            demo_monitor.install(rt.store, first.project_id)
            demo_rules.install(rt.store, first.project_id)
        history = None if demo_history.seeded(rt.store, project_id) else demo_events
        stopping = threading.Event()
        rt.jobs.append(_StopFlag(stopping))
        threading.Thread(target=_demo_in_background, args=(url, key, history, stopping), daemon=True).start()
    mode = f"cluster mode on Kafka {settings.kafka_bootstrap}" if settings.kafka_bootstrap else "local mode"
    print(f"Telltale {mode} on {url}  (API docs: {url}/docs, data: {settings.data_dir.resolve()})", flush=True)
    print(f"Console: {url}/  (sign in with an API key that has the read scope)", flush=True)
    app = create_app(rt)
    heap.settle()
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", log_config=None)
    finally:
        rt.close()
    return 0


def _open(settings: Settings, roles: tuple[str, ...]) -> Runtime:
    """Local mode, or with TELLTALE_KAFKA_BOOTSTRAP the API on Kafka with `roles` in-process."""
    if not settings.kafka_bootstrap:
        return open_local(settings)
    asyncio.run(ensure_topics(settings.kafka_bootstrap))
    return open_cluster(settings, roles)


def migrate(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    store = Store(settings.store_url())
    applied = apply_migrations(store, settings.clickhouse_cluster)
    print(
        f"applied {len(applied)} migration(s): {[f'{m.version}_{m.name}' for m in applied]}"
        if applied
        else "store is up to date"
    )
    try:
        built = RollupBuilder(store).settle(ProgressBar("rollups", "minutes"))
        print(f"rolled up {built} minute(s)" if built else "rollups are up to date")
    finally:
        store.close()
    if settings.kafka_bootstrap:
        created = asyncio.run(ensure_topics(settings.kafka_bootstrap))
        print(f"created topic(s) {created}" if created else "Kafka topics are up to date")
    return 0


def keys_create(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    store = Store(settings.store_url())
    apply_migrations(store, settings.clickhouse_cluster)
    if not project_exists(store, args.project):
        create_project(store, args.project)
    scopes = tuple(scope.strip() for scope in args.scopes.split(",") if scope.strip())
    key, api_key = KeyRing(store).create(args.project, scopes, args.name)
    print(f"{key}\n(project {api_key.project_id}, scopes {','.join(api_key.scopes)}; shown once, store it now)")
    store.close()
    return 0


def jobs(args: argparse.Namespace) -> int:
    """Cluster mode's background jobs (alerts, drift, curation, rollups), each while holding its lease."""
    settings = settings_from(args)
    telemetry.serve(settings.metrics_port)
    background_jobs.run(settings)
    return 0


def evaluate(args: argparse.Namespace) -> int:
    """Score a JSONL file with the named evaluators; exit 1 with an 'N of M lines failed' summary on stderr
    when some lines were not valid items (each also has an `error` line in the output)."""
    evaluators = registry.build(settings_from(args), tuple(args.evaluator))
    source, sink = open_binary(args.input, "r"), open_binary(args.output, "w")
    try:
        tally = evaluate_lines(source, sink, evaluators, sys.stderr)
    finally:
        sink.flush()
        for stream in (source, sink):
            if stream not in (sys.stdin.buffer, sys.stdout.buffer):
                stream.close()
    if tally.failed:
        print(f"{tally.failed} of {tally.lines} lines failed", file=sys.stderr)
        return 1
    return 0


def demo(args: argparse.Namespace) -> int:
    """Backfill `--events` over the last `--hours`, then optionally keep sending live at `--rate`."""
    sender = DemoSender(args.url, args.key)
    seed = args.seed if args.seed is not None else secrets.randbits(32)
    end = datetime.now(UTC)
    start = end - timedelta(hours=args.hours)
    traffic = DemoTraffic(seed=seed, shift_at=start + demo_monitor.SHIFT_AT * (end - start))
    report = sender.send(traffic.calls(args.events, start, end))
    print(f"sent {report.inference} inference and {report.feedback} feedback events ({report.rejected} rejected)")
    if args.rate > 0:
        _live(sender, args.rate, seed + 1, traffic.shift_at, threading.Event())
    sender.close()
    return 0


def _live(sender: DemoSender, rate: float, seed: int, shift_at: datetime | None, stopping: threading.Event) -> None:
    """Send about `rate` events per second, stamped now, until interrupted (or `stopping` is set)."""
    traffic = DemoTraffic(seed=seed, shift_at=shift_at)
    while not stopping.is_set():
        now = datetime.now(UTC)
        count = max(1, round(rate * 5))
        sender.send(traffic.calls(count, now - timedelta(seconds=5), now))
        traffic.seed += 1
        stopping.wait(5)


class _StopFlag:
    """A job that only raises a flag when the server starts stopping (so the demo thread stops quietly)."""

    name = "demo.stop"

    def __init__(self, flag: threading.Event) -> None:
        self.flag = flag

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await stop.wait()
        finally:
            self.flag.set()


def _demo_in_background(url: str, key: str, history: int | None, stopping: threading.Event) -> None:
    """`up --demo` in a thread; when the server stops, it stops without a word (its send is not retried)."""
    try:
        _send_demo(url, key, history, stopping)
    except Exception as error:
        if not stopping.is_set():
            print(f"demo: stopped sending: {error}", file=sys.stderr, flush=True)


def _send_demo(url: str, key: str, history: int | None, stopping: threading.Event) -> None:
    """Wait until the server is ready, backfill an hour (`history` events: the first start only), then a
    gentle live trickle; later starts resume the trickle, already drifted."""
    for _ in range(120):
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    sender = DemoSender(url, key)
    end, seed = datetime.now(UTC), secrets.randbits(32)
    if history is None:
        print("demo: the store has the demo's history already; sending 2 events/s live", flush=True)
        _live(sender, 2.0, seed, end, stopping)
        return
    start = end - timedelta(hours=1)
    traffic = DemoTraffic(seed=seed, shift_at=start + demo_monitor.SHIFT_AT * (end - start))
    report = sender.send(traffic.calls(history, start, end))
    print(
        f"demo: sent {report.inference} inference and {report.feedback} feedback events; now 2 events/s live",
        flush=True,
    )
    _live(sender, 2.0, seed + 1, traffic.shift_at, stopping)


def _demo_key(rt: Runtime) -> tuple[str, str]:
    """A short-lived ingest key for the demo on later starts (stored keys cannot be read back), and its project."""
    project = rt.store.rows("SELECT project_id FROM projects FINAL WHERE deleted = 0 ORDER BY created_at LIMIT 1")
    expires = datetime.now(UTC) + timedelta(days=1)
    key, made = rt.keys.create(project[0]["project_id"], ("ingest",), "demo (expires in 1 day)", expires_at=expires)
    return key, made.project_id
