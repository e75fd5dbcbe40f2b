"""Datasets benchmark, printed as JSON: materialise a sampled version from millions of stored events, export it.

An embedded store of its own (a temporary data directory) is filled straight through ClickHouse
(INSERT ... SELECT from numbers()) with ~1.2 KB RAG events — chat messages, two passages, an answer —
negative feedback on 10% of them and two evaluations each. A spec ("negative feedback, random sample of
`--items` with a seed") is frozen, then the version is exported as JSONL and Parquet by the same generators
the API streams. Peak resident memory (the whole process: Python and the embedded ClickHouse) is sampled
every 20 ms during each phase; exporting a version a tenth the size shows whether it stays flat.

    .venv/bin/python -m bench.datasets [--events 2000000] [--items 100000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telltale_server.schemas.migrate import migrate
from telltale_server.schemas.store import Store
from telltale_server.services.datasets.catalog import DatasetCatalog
from telltale_server.services.datasets.export.formats import WRITERS
from telltale_server.services.datasets.export.records import FlowColumns
from telltale_server.services.datasets.items import pages
from telltale_server.services.datasets.spec import DatasetSpec
from telltale_server.services.datasets.versions import freeze

PROJECT = "bench"
MIB = 1024 * 1024


def rss() -> int:
    """This process's resident memory in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


@contextmanager
def peak_memory() -> Iterator[dict[str, float]]:
    """Sample resident memory every 20 ms; yields a dict filled with the phase's peak and starting MiB."""
    result: dict[str, float] = {"start_mib": rss() / MIB}
    peak = [rss()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], rss())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        done.set()
        thread.join()
        result["peak_mib"] = round(max(peak[0], rss()) / MIB, 1)
        result["start_mib"] = round(result["start_mib"], 1)


def fill(store: Store, events: int) -> float:
    """Events over the last 24 h, 10% with negative feedback, a groundedness and a usage evaluation each."""
    started = time.perf_counter()
    end = datetime.now(UTC)
    params = {"n": events, "start": end - timedelta(hours=24), "span": 86_400_000, "p": PROJECT}
    question = "concat('How do I configure feature ', toString(number), ' of the Acme workspace for my team?')"
    passage = "concat('Feature ', toString(number), ' is configured under Settings > Workspace. ', repeat('Admins can change it for everyone; members only for themselves. ', 4))"  # noqa: E501
    store.command(
        "INSERT INTO inference_events (project_id, event_id, ts, received_at, schema_version, trace_id, app, route, "
        "environment, model, provider, prompt_version, input_text, input_messages, output, contexts, context_count, "
        "input_tokens, output_tokens, total_tokens, latency_ms, status, tags, attributes) "
        "SELECT {p:String}, generateUUIDv4(number), {start:DateTime64(3)} + toIntervalMillisecond(intDiv(number * "
        "{span:UInt64}, {n:UInt64})), now64(6), 1, '', 'acme-help', concat('route-', toString(number % 4)), "
        "'production', ['gpt-4o','gpt-4o-mini','claude','llama'][number % 4 + 1], 'openai', 'v1', "
        f"concat('You are Acme help. ', {question}), "
        'concat(\'[{"role":"system","content":"You are Acme help."},{"role":"user","content":"\', '
        f"{question}, '\"}}]'), "
        "concat('Open Settings, then Workspace, and change feature ', toString(number), '. ', "
        "repeat('Only admins can change it for the whole team. ', 3)), "
        f'concat(\'[{{"text":"\', {passage}, \'"}},{{"text":"\', {passage}, \'"}}]\'), 2, '
        "300, 80, 380, 100 + (number * 7919) % 2000, 'ok', ['bench'], '{}' FROM numbers({n:UInt64})",
        params,
    )
    store.command(
        "INSERT INTO feedback_events (project_id, event_id, inference_id, trace_id, ts, received_at, schema_version, "
        "kind, value, score, negative, source, user_id, tags, attributes) "
        "SELECT project_id, generateUUIDv4(cityHash64(event_id)), event_id, '', ts + toIntervalSecond(30), now64(6), "
        "1, 'thumbs', 'false', 0, 1, 'user', '', [], '{}' FROM inference_events "
        "WHERE project_id = {p:String} AND cityHash64(event_id) % 10 = 0",
        params,
    )
    for evaluator, metric, value, label in (
        (
            "groundedness",
            "score",
            "(cityHash64(event_id) % 100) / 100",
            "if(cityHash64(event_id) % 100 < 50, 'ungrounded', 'grounded')",
        ),
        ("usage", "cost_usd", "0.0005", "'priced'"),
    ):
        store.command(
            "INSERT INTO evaluations (project_id, event_id, ts, evaluator, evaluator_version, metric, value, label, "
            "details, model, route, prompt_version, environment, created_at) "
            f"SELECT project_id, event_id, ts, '{evaluator}', '1', '{metric}', {value}, {label}, '{{}}', model, route, "
            "prompt_version, environment, now64(3) FROM inference_events WHERE project_id = {p:String}",
            params,
        )
    return round(time.perf_counter() - started, 1)


def export(store: Store, dataset_id: str, fmt: str, items: int) -> dict[str, Any]:
    """Run one format's generator over the version, as the API does, counting bytes and timing it."""
    size = 0
    with peak_memory() as memory:
        started = time.perf_counter()
        for chunk in WRITERS[fmt](pages(store, PROJECT, dataset_id, 1), FlowColumns()):
            size += len(chunk)
        seconds = time.perf_counter() - started
    return {
        "items": items,
        "seconds": round(seconds, 2),
        "items_per_s": round(items / seconds),
        "mib": round(size / MIB, 1),
        **memory,
    }


def version(store: Store, name: str, limit: int) -> tuple[str, dict[str, Any]]:
    """Freeze "negative feedback, random `limit` with seed 42"; returns the dataset id and the timing."""
    spec = {"name": name, "query": {"feedback": {"negative": True}}, "sampling": {"method": "random", "limit": limit}}
    dataset = DatasetCatalog(store).save(
        PROJECT, DatasetSpec.model_validate({**spec, "sampling": {**spec["sampling"], "seed": 42}})
    )
    with peak_memory() as memory:
        started = time.perf_counter()
        frozen = freeze(store, dataset, "bench")
        seconds = time.perf_counter() - started
    return dataset.id, {"items": frozen.item_count, "seconds": round(seconds, 2), **memory}


def timed(step: Callable[[], Any]) -> float:
    started = time.perf_counter()
    step()
    return round(time.perf_counter() - started, 2)


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--events", type=int, default=2_000_000)
    cli.add_argument("--items", type=int, default=100_000)
    args = cli.parse_args()
    with tempfile.TemporaryDirectory(prefix="telltale-bench-datasets-") as tmp:
        store = Store(f"chdb://{Path(tmp) / 'clickhouse'}")
        try:
            migrate(store)
            opened = round(rss() / MIB, 1)
            filled = fill(store, args.events)
            stored = store.command("SELECT count() FROM inference_events WHERE project_id = {p:String}", {"p": PROJECT})
            big, materialise = version(store, "big", args.items)
            small, materialise_small = version(store, "small", args.items // 10)
            result = {
                "process_mib_store_opened": opened,
                "stored_events": int(stored),
                "fill_seconds": filled,
                "materialise": materialise,
                "materialise_tenth": materialise_small,
                "export_jsonl": export(store, big, "jsonl", materialise["items"]),
                "export_parquet": export(store, big, "parquet", materialise["items"]),
                "export_jsonl_tenth": export(store, small, "jsonl", materialise_small["items"]),
                "export_parquet_tenth": export(store, small, "parquet", materialise_small["items"]),
            }
        finally:
            store.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
