"""Rollup benchmark, printed as JSON: what every aggregate read costs once the store keeps per-minute rollups.

A store of synthetic traffic (bench/console.py's: `--events` calls over 24 h, five evaluations each, feedback on a
third) is filled once into `--data-dir` and kept, so later runs (a quiet machine, another commit) reuse it. Then:

1. `telltale migrate`'s backfill: every minute rolled up from raw rows (time, minutes), and the rollups' size on
   disk per million events;
2. a real `telltale up` on the store: the console overview's requests (the p95 tile and one series request per
   chart) sent at once as the page sends them, over the last hour, 24 h and 7 days of the data, per request and
   per page; then the filter options (`/v1/labels`) and the summary;
3. 200 alert rules (bench/alert_latency.py's mix) evaluated in one engine pass, at that end.

Ranges end half way through the data's last full minute (`now` in a minute of full traffic: its 30 s so far
are the raw part every read measures), so a kept store measures the same thing whenever it runs. The machine's
load average is printed beside the figures: the machine is shared.

    .venv/bin/python -m bench.rollups [--events 10000000] [--data-dir DIR] [--rounds 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.alert_latency import percentile, rules
from bench.console import REQUESTS
from telltale_server.schemas.migrate import migrate
from telltale_server.schemas.settings import Settings
from telltale_server.schemas.store import Store
from telltale_server.services.alerts.loop import AlertLoop
from telltale_server.services.cli.progress import ProgressBar
from telltale_server.streams.rollups.builder import RollupBuilder
from tests.support.server import ADMIN_KEY, ROOT, TelltaleServer

RANGES = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}
ROLLUP_TABLES = ("metric_rollups", "rollup_changes", "rollup_minutes")


def load() -> str:
    """The 1, 5 and 15 minute load averages: the machine is shared, so figures come with them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def fill_once(data_dir: Path, events: int) -> dict[str, Any] | None:
    """The synthetic store (bench/console.py's fill, in a process of its own), unless the directory has one."""
    if (data_dir / "clickhouse").exists():
        return None
    out = subprocess.run(
        [sys.executable, "-m", "bench.console", "--events", str(events), "--fill", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def backfill(data_dir: Path) -> dict[str, Any]:
    """Migrations (the rollup migration marks every stored minute) and the rollups built to the end, as `telltale
    migrate` does; then the rollups' bytes on disk."""
    store = Store(f"chdb://{data_dir / 'clickhouse'}")
    try:
        migrate(store)
        started = time.perf_counter()
        built = RollupBuilder(store).settle(ProgressBar("backfill", "minutes"))
        seconds = time.perf_counter() - started
        for table in ROLLUP_TABLES:
            store.command(f"OPTIMIZE TABLE {table} FINAL")
        parts = store.rows(
            "SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active "
            "AND database = currentDatabase() AND table IN {t:Array(String)} GROUP BY table",
            {"t": [*ROLLUP_TABLES, "inference_events", "evaluations", "feedback_events"]},
        )
        events = store.rows("SELECT count() AS n, max(ts) AS last FROM inference_events FINAL")[0]
    finally:
        store.close()
    by_table = {row["table"]: row for row in parts}
    rollup_bytes = sum(by_table[t]["bytes"] for t in ROLLUP_TABLES if t in by_table)
    raw_bytes = sum(by_table[t]["bytes"] for t in ("inference_events", "evaluations", "feedback_events"))
    return {
        "events": events["n"],
        "data_end": events["last"].isoformat(),
        "minutes_built": built,
        "backfill_s": round(seconds, 1),
        "rollup_rows": {t: by_table[t]["rows"] for t in ROLLUP_TABLES if t in by_table},
        "rollup_bytes_per_million_events": round(rollup_bytes * 1e6 / max(1, events["n"])),
        "raw_bytes_per_million_events": round(raw_bytes * 1e6 / max(1, events["n"])),
    }


def overview(server: TelltaleServer, end: datetime, span: timedelta, rounds: int) -> dict[str, Any]:
    """The overview's requests sent at once, `rounds` times after a warm-up: per request and per page (slowest).

    Each page load ends a millisecond later than the one before, as a reload ends at a new `now`: its requests
    share one raw tail among themselves (as a page's do), never one a previous load measured."""
    per_request: dict[str, list[float]] = {}
    pages = []
    client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=600)

    def timed(request: tuple[str, str, dict[str, Any]]) -> tuple[str, float]:
        name, path, query = request
        started = time.perf_counter()
        client.get(path, params=query).raise_for_status()
        return name, (time.perf_counter() - started) * 1000

    with client, ThreadPoolExecutor(max_workers=len(REQUESTS) + 1) as pool:
        for round_ in range(rounds + 1):
            to = end + timedelta(milliseconds=round_)
            params = {"from": (to - span).isoformat(), "to": to.isoformat()}
            requests = [("latency.p95 tile", "/v1/metrics/latency.p95", params)]
            requests += [(" + ".join(group), "/v1/series", {**params, "metric": group}) for group in REQUESTS]
            started = time.perf_counter()
            results = list(pool.map(timed, requests))
            if round_:
                pages.append((time.perf_counter() - started) * 1000)
                results.append(timed(("labels", "/v1/labels", params)))
                results.append(timed(("summary by model", "/v1/metrics/summary", {**params, "group_by": "model"})))
                for name, ms in results:
                    per_request.setdefault(name, []).append(ms)
    return {
        "all_charts_ms": _ms(pages),
        "requests_ms": {name: _ms(ms) for name, ms in per_request.items()},
        "load_average": load(),
    }


def _ms(values: list[float]) -> dict[str, int]:
    return {"p50": round(percentile(values, 0.5)), "p95": round(percentile(values, 0.95))}


def rule_passes(data_dir: Path, end: datetime, passes: int = 5) -> dict[str, Any]:
    """One engine pass over 200 rules (5m, 15m and 1h windows, half grouped by model) at `end`."""
    store = Store(f"chdb://{data_dir / 'clickhouse'}")
    try:
        rules(store, 200)
        loop = AlertLoop(store, Settings())
        loop.load()
        times = []
        for index in range(passes + 1):
            started = time.perf_counter()
            loop.tick(end + timedelta(seconds=index))
            times.append(time.perf_counter() - started)
        store.command("DELETE FROM alert_rules WHERE project_id = 'bench'")
    finally:
        store.close()
    return {
        "rules": 200,
        "pass_s_median": round(statistics.median(times[1:]), 3),
        "pass_s_all": [round(t, 3) for t in times[1:]],
        "load_average": load(),
    }


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--events", type=int, default=10_000_000)
    cli.add_argument("--data-dir", type=Path, default=Path("bench-data") / "rollups")
    cli.add_argument("--rounds", type=int, default=10)
    args = cli.parse_args()
    result: dict[str, Any] = {"load_average_at_start": load(), "fill": fill_once(args.data_dir, args.events)}
    result["backfill"] = backfill(args.data_dir)
    last = datetime.fromisoformat(result["backfill"]["data_end"]).astimezone(UTC)
    end = last.replace(second=0, microsecond=0) - timedelta(seconds=30)
    server = TelltaleServer(args.data_dir, project="bench", env={"TELLTALE_DRIFT_ENABLED": "false"}).start(300)
    try:
        for name, span in RANGES.items():
            result[f"overview_{name}"] = overview(server, end, span, args.rounds)
    finally:
        server.stop()
    result["rules"] = rule_passes(args.data_dir, end)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
