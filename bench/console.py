"""Console benchmark, printed as JSON: the API queries behind the overview page, and first paint of its data.

A store is filled with synthetic traffic (`--events`, default 10M over the last 24 h: the alert benchmark's
inference rows and usage/PII evaluations, plus groundedness, toxicity and injection evaluations and feedback on a
third of the calls) in a process of its own, merged as background merges leave older data (OPTIMIZE FINAL), and
rolled up (as `telltale migrate` does).
Then a real `telltale up` serves it, its drift job off (drift has a benchmark of its own). For each time range
the overview's requests (the p95 tile, and one request per chart for its series) are sent at once, as the page
does, and timed one by one and as a page (the slowest of them); then the filter options, as the page asks for
them after the charts. With Debian's chromium installed, a real headless
browser opens the overview and reports when the first and the last chart are drawn (`performance.now()`, from
navigation start).

    .venv/bin/python -m bench.console [--events 10000000] [--rounds 10]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bench.alert_latency import fill, percentile
from telltale_server.schemas.migrate import migrate
from telltale_server.schemas.store import Store
from telltale_server.streams.rollups.builder import RollupBuilder
from tests.support.browser import CHROMIUM, FLAGS
from tests.support.server import ADMIN_KEY, ROOT, TelltaleServer

RANGES = {"1h": 3600, "24h": 86400}
"""The synthetic traffic spans 24 h: the last hour holds 1/24 of it, the 24 h range all of it."""
REQUESTS = [
    ["volume.count"],
    ["error.rate"],
    ["latency.p95"],
    ["cost.sum"],
    ["groundedness.mean", "groundedness.refusal_rate"],
    [
        "safety.toxicity.output.rate",
        "safety.pii.output.rate",
        "safety.injection.input.rate",
        "safety.injection.contexts.rate",
    ],
    ["feedback.negative_rate"],
]
"""The overview's series requests, one per chart as dashboards/console/views/overview.js sends them."""

COLUMNS = (
    "INSERT INTO evaluations (project_id, event_id, ts, evaluator, evaluator_version, metric, value, label, "
    "details, model, route, prompt_version, environment, created_at) "
)


def fill_store(data_dir: Path, events: int) -> dict[str, Any]:
    """The synthetic store, then the runner's checkpoint moved past it so the server does not re-evaluate it."""
    store = Store(f"chdb://{data_dir / 'clickhouse'}")
    try:
        migrate(store)
        seconds = fill(store, events)
        started = time.perf_counter()
        for evaluator, metric, hit, miss, every in (
            ("groundedness", "score", "ungrounded", "grounded", 20),
            ("safety.toxicity", "output", "toxic", "ok", 50),
            ("safety.prompt_injection", "input", "injection", "ok", 50),
        ):
            store.command(
                COLUMNS + f"SELECT project_id, event_id, ts, '{evaluator}', '1', '{metric}', "
                f"if(cityHash64(event_id, '{evaluator}') % {every} = 0, 0.2, 0.95), "
                f"if(cityHash64(event_id, '{evaluator}') % {every} = 0, '{hit}', '{miss}'), '{{}}', model, route, "
                "prompt_version, environment, now64(3) FROM inference_events WHERE project_id = 'bench'"
            )
        store.command(
            "INSERT INTO feedback_events (project_id, event_id, inference_id, ts, received_at, schema_version, kind, "
            "value, score, negative, source) SELECT project_id, generateUUIDv4(cityHash64(event_id)), event_id, "
            "ts + toIntervalSecond(30), now64(6), 1, 'thumbs', if(cityHash64(event_id) % 4 = 0, 'down', 'up'), "
            "if(cityHash64(event_id) % 4 = 0, 0, 1), cityHash64(event_id) % 4 = 0, 'user' "
            "FROM inference_events WHERE project_id = 'bench' AND cityHash64(event_id) % 3 = 0"
        )
        store.command(
            "INSERT INTO runner_checkpoints SELECT 'local.evaluate', max(received_at), now64(6) FROM inference_events"
        )
        seconds["more_evaluations_and_feedback_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        for table in ("inference_events", "evaluations", "feedback_events"):
            store.command(f"OPTIMIZE TABLE {table} FINAL")
        seconds["merge_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        RollupBuilder(store).settle()
        seconds["rollups_s"] = round(time.perf_counter() - started, 1)
        counts = {
            table: store.rows(f"SELECT count() AS n FROM {table}")[0]["n"]
            for table in ("inference_events", "evaluations", "feedback_events")
        }
    finally:
        store.close()
    return {"seconds": seconds, "rows": counts}


def overview_requests(range_s: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, path, params) of the requests the overview page sends at once for a range ending now."""
    params = {"from": _iso(time.time() - range_s), "to": _iso(time.time())}
    requests = [("latency.p95 tile", "/v1/metrics/latency.p95", params)]
    return requests + [(" + ".join(group), "/v1/series", {**params, "metric": group}) for group in REQUESTS]


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def api_latency(server: TelltaleServer, range_s: int, rounds: int) -> dict[str, Any]:
    """Per-request and per-page milliseconds over `rounds` loads of the overview, after one warm-up load."""
    per_request: dict[str, list[float]] = {}
    pages: list[float] = []
    client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=600)
    with client, ThreadPoolExecutor(max_workers=len(REQUESTS) + 1) as pool:

        def timed(request: tuple[str, str, dict[str, Any]]) -> tuple[str, float]:
            name, path, params = request
            started = time.perf_counter()
            client.get(path, params=params).raise_for_status()
            return name, (time.perf_counter() - started) * 1000

        for round_ in range(rounds + 1):
            started = time.perf_counter()
            results = list(pool.map(timed, overview_requests(range_s)))
            if round_ == 0:
                continue
            pages.append((time.perf_counter() - started) * 1000)
            labels = {"from": _iso(time.time() - range_s), "to": _iso(time.time())}
            results.append(timed(("labels (filter options, after the charts)", "/v1/labels", labels)))
            for name, ms in results:
                per_request.setdefault(name, []).append(ms)
    return {
        "page_ms": {"p50": round(percentile(pages, 0.5)), "p95": round(percentile(pages, 0.95))},
        "requests_ms": {
            name: {"p50": round(percentile(ms, 0.5)), "p95": round(percentile(ms, 0.95))}
            for name, ms in per_request.items()
        },
    }


def first_paint(server: TelltaleServer, range_key: str, loads: int) -> dict[str, Any] | None:
    """Milliseconds from navigation start to the overview's first and last chart, in a real headless Chromium."""
    if shutil.which(CHROMIUM) is None:
        return None
    from playwright.sync_api import sync_playwright

    first, last = [], []
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=FLAGS)
        context.add_init_script(f"sessionStorage.setItem('telltale.key', {json.dumps(ADMIN_KEY)})")
        page = context.pages[0]
        drawn = page.locator("figure.chart[data-points]")
        for _ in range(loads + 1):
            page.goto(f"{server.url}/?{time.time()}#/overview?range={range_key}")
            drawn.first.wait_for(timeout=600_000)
            first.append(page.evaluate("performance.now()"))
            drawn.nth(6).wait_for(timeout=600_000)
            last.append(page.evaluate("performance.now()"))
        context.close()
    first, last = first[1:], last[1:]
    return {
        "first_chart": {"p50": round(percentile(first, 0.5)), "max": round(max(first))},
        "all_charts": {"p50": round(percentile(last, 0.5)), "max": round(max(last))},
        "first_chart_under_1s": max(first) < 1000,
        "all_charts_under_1s": max(last) < 1000,
    }


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--events", type=int, default=10_000_000)
    cli.add_argument("--rounds", type=int, default=10)
    cli.add_argument("--fill", type=Path, help=argparse.SUPPRESS)
    args = cli.parse_args()
    if args.fill:
        print(json.dumps(fill_store(args.fill, args.events)))
        return
    with tempfile.TemporaryDirectory(prefix="telltale-bench-console-") as tmp:
        data = Path(tmp) / "data"
        out = subprocess.run(
            [sys.executable, "-m", "bench.console", "--events", str(args.events), "--fill", str(data)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, Any] = {"events": args.events, "fill": json.loads(out.stdout.strip().splitlines()[-1])}
        server = TelltaleServer(data, project="bench", env={"TELLTALE_DRIFT_ENABLED": "false"}).start(timeout_s=300)
        try:
            for key, seconds in RANGES.items():
                rounds = args.rounds if seconds <= 3600 else max(2, args.rounds // 3)
                result[f"overview_{key}"] = {
                    "api": api_latency(server, seconds, rounds),
                    "first_paint_of_data_ms": first_paint(server, key, 5 if seconds <= 3600 else 2),
                }
        finally:
            server.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
