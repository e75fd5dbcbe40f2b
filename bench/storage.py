"""Storage benchmark: bytes on disk per million events in ClickHouse (chDB, the same MergeTree engine as a server).

Run: `python -m bench.storage [--events 1000000] [--sample 2000]`. Prints one JSON object.
Inference and feedback rows are the demo generator's realistic RAG traffic over 30 days, written through the Sink
as the store role writes them. Evaluation rows come from running every local evaluator on `--sample` events;
their per-event footprint is then measured at full scale by copying the sample's rows onto every stored event
(new ids and times, same scores), which the per-event figure states as `evaluations_from_sample`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telltale_server.schemas.events import FeedbackEvent, InferenceEvent
from telltale_server.schemas.migrate import migrate
from telltale_server.schemas.rows import feedback_row, inference_row
from telltale_server.schemas.settings import Settings
from telltale_server.schemas.store import Store
from telltale_server.services.demo.generator import DemoTraffic
from telltale_server.streams.evaluators import registry
from telltale_server.streams.pipeline import Pipeline, ProjectEvent
from telltale_server.streams.sink import Sink

PROJECT = "bench"
CHUNK = 20_000
TABLES = ("inference_events", "feedback_events", "evaluations")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2000, help="events run through every evaluator")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"chdb://{Path(tmp) / 'clickhouse'}")
        try:
            print(json.dumps(measure(store, args.events, args.sample), indent=2))
        finally:
            store.close()


def measure(store: Store, events: int, sample: int) -> dict[str, object]:
    migrate(store)
    sink = Sink(store)
    started = time.perf_counter()
    end = datetime.now(UTC)
    received = end
    calls = DemoTraffic(seed=42).calls(events, end - timedelta(days=30), end)
    sampled: list[ProjectEvent] = []
    inference, feedback = [], []
    for call in calls:
        event = InferenceEvent.model_validate(call.inference)
        received += timedelta(microseconds=1)
        inference.append(inference_row(PROJECT, event, received))
        feedback.extend(feedback_row(PROJECT, FeedbackEvent.model_validate(f), received) for f in call.feedback)
        if len(sampled) < sample:
            sampled.append(ProjectEvent(PROJECT, event))
        if len(inference) >= CHUNK:
            sink.inference(inference)
            sink.feedback(feedback)
            inference, feedback = [], []
    sink.inference(inference)
    sink.feedback(feedback)
    written_s = time.perf_counter() - started

    pipeline = Pipeline(registry.build(Settings(), tuple(registry.DEFAULT)))
    sink.evaluations(pipeline.evaluate(sampled))
    per_event = store.rows("SELECT count() / uniqExact(event_id) AS n FROM evaluations")[0]["n"]
    copies = max(0, events // sample - 1)
    store.command(
        "INSERT INTO evaluations SELECT project_id, reinterpretAsUUID(sipHash128(event_id, number)), "
        "ts + toIntervalSecond(number), evaluator, evaluator_version, metric, value, label, details, model, route, "
        "prompt_version, environment, created_at "
        f"FROM evaluations AS e, numbers(1, {copies}) AS n SETTINGS max_insert_threads = 2"
    )
    for table in TABLES:
        store.command(f"OPTIMIZE TABLE {table} FINAL")
    parts = store.rows(
        "SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS disk, sum(data_uncompressed_bytes) AS raw "
        "FROM system.parts WHERE active AND database = currentDatabase() AND table IN {tables:Array(String)} "
        "GROUP BY table",
        {"tables": list(TABLES)},
    )
    by_table = {row["table"]: row for row in parts}
    million = 1_000_000 / events
    result: dict[str, object] = {
        "events": events,
        "evaluated_sample": sample,
        "evaluation_rows_per_event": round(per_event, 2),
        "write_s": round(written_s, 1),
        "tables": {
            table: {
                "rows": by_table[table]["rows"],
                "mb_on_disk_per_million_events": round(by_table[table]["disk"] * million / 1e6, 1),
                "compression_ratio": round(by_table[table]["raw"] / max(1, by_table[table]["disk"]), 1),
            }
            for table in TABLES
        },
    }
    total = sum(row["disk"] for row in parts) * million / 1e6
    result["mb_on_disk_per_million_events"] = round(total, 1)
    result["evaluations_from_sample"] = True
    return result


if __name__ == "__main__":
    main()
