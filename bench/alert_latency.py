"""Alerting benchmark, printed as JSON.

1. Latency in local mode: from the HTTP ingest of the events that cross a threshold to the signed
   webhook arriving at a loopback receiver, over repeated incidents (each a new model crossing an
   error-rate rule), with the default engine interval.
2. Rule evaluation cost: one engine pass over 200 rules (a mix of catalog metrics, half grouped by
   model) on an embedded store filled with synthetic events (`--events`, default 10M over 24 h).

    .venv/bin/python -m bench.alert_latency [--incidents 20] [--events 10000000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from telltale_server.schemas.migrate import migrate
from telltale_server.schemas.settings import Settings
from telltale_server.schemas.store import Store
from telltale_server.services.alerts.loop import AlertLoop
from telltale_server.services.alerts.rules import RuleSpec, RuleStore
from tests.support.alerts import SECRET, Receiver
from tests.support.server import ADMIN_KEY, INGEST_KEY, TelltaleServer


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency(incidents: int, root: Path) -> dict[str, Any]:
    """Seconds from the ingest request to the webhook, per incident."""
    arrived: dict[str, float] = {}
    lock = threading.Condition()

    def on_request(got: Any) -> None:
        for alert in got.json()["alerts"]:
            if alert["status"] == "firing":
                with lock:
                    arrived.setdefault(alert["labels"]["model"], time.perf_counter())
                    lock.notify_all()

    receiver = Receiver(on_request=on_request)
    server = TelltaleServer(root / "latency", env={"TELLTALE_ALERTS_ALLOWED_NETWORKS": '["127.0.0.0/8"]'}).start()
    try:
        rule = {
            "name": "bench errors",
            "metric": "error.rate",
            "group_by": ["model"],
            "comparator": ">",
            "threshold": 0.5,
            "min_samples": 5,
            "window": "1m",
            "group_interval": "0s",
            "channels": [{"type": "webhook", "url": receiver.url, "secret": SECRET}],
        }
        admin = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=30)
        assert admin.post("/v1/alert-rules", json=rule).status_code == 201
        ingest = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {INGEST_KEY}"}, timeout=30)
        seconds = []
        for index in range(incidents):
            model = f"bench-model-{index}"
            now = datetime.now(UTC).isoformat()
            events = [
                {"event_id": str(uuid.uuid4()), "ts": now, "model": model, "input": "q", "status": "error"}
                for _ in range(5)
            ]
            started = time.perf_counter()
            assert ingest.post("/v1/inference", content=orjson.dumps(events)).status_code == 200
            with lock:
                lock.wait_for(lambda m=model: m in arrived, timeout=60)
            seconds.append(arrived[model] - started)
            time.sleep(0.3)
        admin.close()
        ingest.close()
    finally:
        server.stop()
        receiver.close()
    return {
        "incidents": incidents,
        "p50_s": round(percentile(seconds, 0.5), 3),
        "p95_s": round(percentile(seconds, 0.95), 3),
        "max_s": round(max(seconds), 3),
        "engine_interval_s": Settings().alerts_interval_s,
        "target_p95_s": 5.0,
    }


def fill(store: Store, events: int) -> dict[str, float]:
    """Synthetic traffic over the last 24 h: 4 models, 8 routes, 3% errors, usage and PII evaluations."""
    started = time.perf_counter()
    end = datetime.now(UTC)
    params = {"n": events, "start": end - timedelta(hours=24), "span": 86_400_000}
    store.command(
        "INSERT INTO inference_events (project_id, event_id, ts, received_at, schema_version, model, route, "
        "environment, prompt_version, input_text, status, latency_ms, input_tokens, output_tokens, total_tokens, tags) "
        "SELECT 'bench', generateUUIDv4(number), {start:DateTime64(3)} + toIntervalMillisecond(intDiv(number * "
        "{span:UInt64}, {n:UInt64})), now64(6), 1, ['gpt-4o','gpt-4o-mini','claude','llama'][number % 4 + 1], "
        "concat('route-', toString(number % 8)), 'prod', 'v1', 'q', if(number % 33 = 0, 'error', 'ok'), "
        "100 + (number * 7919) % 2000, 100, 50, 150, ['bench'] FROM numbers({n:UInt64})",
        params,
    )
    inserted = time.perf_counter()
    store.command(
        "INSERT INTO evaluations (project_id, event_id, ts, evaluator, evaluator_version, metric, value, label, "
        "details, model, route, prompt_version, environment, created_at) "
        "SELECT project_id, event_id, ts, 'usage', '1', 'cost_usd', 0.0005, 'priced', '{}', model, route, "
        "prompt_version, environment, now64(3) FROM inference_events WHERE project_id = 'bench'"
    )
    store.command(
        "INSERT INTO evaluations (project_id, event_id, ts, evaluator, evaluator_version, metric, value, label, "
        "details, model, route, prompt_version, environment, created_at) "
        "SELECT project_id, event_id, ts, 'safety.pii', '1', 'output', if(cityHash64(event_id) % 50 = 0, 1, 0), "
        "if(cityHash64(event_id) % 50 = 0, 'pii', 'clean'), '{}', model, route, prompt_version, environment, "
        "now64(3) FROM inference_events WHERE project_id = 'bench'"
    )
    return {"events_s": round(inserted - started, 1), "evaluations_s": round(time.perf_counter() - inserted, 1)}


def rules(store: Store, count: int) -> None:
    metrics = ["error.rate", "latency.p95", "volume.count", "cost.sum", "safety.pii.rate", "tokens.sum"]
    saved = RuleStore(store)
    for index in range(count):
        spec = {
            "name": f"bench rule {index}",
            "metric": metrics[index % len(metrics)],
            "comparator": ">",
            "threshold": 1e12,
            "window": ["5m", "15m", "1h"][index % 3],
            "group_by": ["model"] if index % 2 else [],
            "filters": {"route": [f"route-{index % 8}"]} if index % 5 == 0 else {},
        }
        saved.save("bench", RuleSpec.model_validate(spec))


def evaluation_cost(events: int, root: Path, passes: int = 3) -> dict[str, Any]:
    store = Store(f"chdb://{root / 'cost'}")
    try:
        migrate(store)
        filled = fill(store, events)
        rules(store, 200)
        loop = AlertLoop(store, Settings())
        loop.load()
        times = []
        for _ in range(passes):
            started = time.perf_counter()
            loop.tick(datetime.now(UTC))
            times.append(time.perf_counter() - started)
        stored = store.rows("SELECT count() AS n FROM inference_events")[0]["n"]
    finally:
        store.close()
    return {
        "stored_events": stored,
        "stored_evaluations": stored * 2,
        "fill_seconds": filled,
        "rules": 200,
        "pass_seconds_median": round(statistics.median(times), 3),
        "pass_seconds_all": [round(t, 3) for t in times],
        "per_rule_ms": round(statistics.median(times) / 200 * 1000, 2),
    }


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--incidents", type=int, default=20)
    cli.add_argument("--events", type=int, default=10_000_000)
    cli.add_argument("--skip-cost", action="store_true")
    args = cli.parse_args()
    with tempfile.TemporaryDirectory(prefix="telltale-bench-") as tmp:
        result: dict[str, Any] = {"latency": latency(args.incidents, Path(tmp))}
        if not args.skip_cost:
            result["evaluation_cost"] = evaluation_cost(args.events, Path(tmp))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
