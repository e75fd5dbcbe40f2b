"""Cluster mode end to end on a real broker: ingest → Kafka → worker roles → ClickHouse, and poison records."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
from aiokafka import AIOKafkaProducer

from telltale_server.schemas import topics
from telltale_server.schemas.envelope import event_record
from telltale_server.schemas.events import InferenceEvent
from tests.integration.kafka.support import Broker, cluster_server, counts, send, wait_drained
from tests.support import events
from tests.support.server import query_store


def test_20k_events_stored_and_evaluated_exactly_once(tmp_path: Path, broker: Broker) -> None:
    server = cluster_server(tmp_path, broker).start()
    try:
        ids = send(server, 20_000)
        wait_drained(broker.bootstrap)
    finally:
        server.stop()
    assert len(set(ids)) == 20_000
    assert counts(server.data_dir, server.project) == {
        "events": 20_000,
        "distinct_events": 20_000,
        "evaluated": 20_000,
        "distinct_evaluated": 20_000,
    }


def test_poison_records_are_dead_lettered_and_do_not_block_their_partition(tmp_path: Path, broker: Broker) -> None:
    server = cluster_server(tmp_path, broker).start()
    project = server.project
    good = InferenceEvent.model_validate(events.inference())
    record = event_record(project, "inference", good, good.ts)
    garbage = b"\xff\xfe garbage \x00"
    without_project = [(k, v) for k, v in record.headers if k != "project_id"]
    newer_version = [*[(k, v) for k, v in record.headers if k != "schema_version"], ("schema_version", b"9")]
    try:
        asyncio.run(
            _produce(
                broker.bootstrap,
                record.key,
                [
                    (garbage, record.headers),
                    (orjson.dumps({"event_id": "nope", "model": 3}), record.headers),
                    (record.value, without_project),
                    (record.value, newer_version),
                    (record.value, record.headers),
                ],
            )
        )
        wait_drained(broker.bootstrap)
    finally:
        server.stop()
    stored = query_store(
        server.data_dir, f"SELECT toString(event_id) AS id FROM inference_events FINAL WHERE project_id = '{project}'"
    )
    assert [row["id"] for row in stored] == [str(good.event_id)]
    letters = query_store(
        server.data_dir,
        "SELECT project_id, source, kind, reason, hex(raw) AS raw_hex FROM dead_letters_v2 FINAL "
        f"WHERE source LIKE 'kafka:{topics.INFERENCE.name}/%' AND (project_id = '{project}' OR raw LIKE "
        f"'%{good.event_id}%') ORDER BY source",
    )
    assert len(letters) == 4
    assert letters[0]["raw_hex"] == garbage.hex().upper()
    assert letters[0]["reason"].startswith("payload breaks the contract: value: Invalid JSON")
    assert "event_id: Input should be a valid UUID" in letters[1]["reason"]
    assert letters[2]["project_id"] == ""
    assert letters[2]["reason"].startswith("missing `project_id` header")
    assert letters[3]["reason"].startswith("unsupported `schema_version` header '9'")
    assert {letter["kind"] for letter in letters} == {"inference"}
    offsets = [int(letter["source"].rsplit("@", 1)[1]) for letter in letters]
    assert offsets == list(range(offsets[0], offsets[0] + 4))


async def _produce(bootstrap: str, key: bytes, records: list[tuple[bytes, list[tuple[str, bytes]]]]) -> None:
    """Write records straight to the inference topic, all with one key: one partition, in this order."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value, headers in records:
            await producer.send_and_wait(topics.INFERENCE.name, value, key=key, headers=headers)
    finally:
        await producer.stop()
