"""The evaluate role: a faust-streaming agent that runs the shared Pipeline over batches of raw inference records."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import faust
from pydantic import ValidationError

from telltale_server.schemas import topics
from telltale_server.schemas.envelope import EnvelopeError, evaluation_records, read_envelope
from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams import telemetry
from telltale_server.streams.kafka.clients import HEARTBEAT_MS, METADATA_MAX_AGE_MS, SESSION_TIMEOUT_MS
from telltale_server.streams.pipeline import Pipeline, ProjectEvent

log = logging.getLogger(__name__)
APP_ID = "telltale-evaluate"


def project_events(records: Sequence[tuple[Mapping[str, bytes], bytes | None]]) -> list[ProjectEvent]:
    """The (headers, value) records that are valid events; the store role dead-letters the others."""
    batch = []
    for headers, value in records:
        try:
            envelope = read_envelope(list(headers.items()))
            if envelope.kind == "inference" and value is not None:
                batch.append(ProjectEvent(envelope.project_id, InferenceEvent.model_validate_json(value)))
        except (EnvelopeError, ValidationError):
            continue
    return batch


class EvaluateRole:
    """Raw inference events → evaluators → `telltale.evaluations.v1`, at least once.

    The agent acknowledges a batch only after the broker acknowledged its evaluation records, and faust
    commits acknowledged offsets every 0.5 s; a crash or rebalance re-evaluates at most the uncommitted
    tail, whose rows the evaluations table deduplicates on (event, evaluator, version, metric).
    """

    name = "evaluate"

    def __init__(
        self, bootstrap: str, pipeline: Pipeline, data_dir: Path, batch_size: int = 2000, within_s: float = 0.2
    ) -> None:
        self.bootstrap = bootstrap
        self.pipeline = pipeline
        self.data_dir = data_dir
        self.batch_size = batch_size
        self.within_s = within_s
        self.evaluated = 0

    def app(self) -> faust.App:
        """The faust app with its one agent; made inside the running event loop."""
        app = faust.App(
            APP_ID,
            broker=[f"kafka://{host.strip()}" for host in self.bootstrap.split(",")],
            processing_guarantee="at_least_once",
            broker_commit_interval=0.5,
            broker_session_timeout=SESSION_TIMEOUT_MS / 1000,
            broker_heartbeat_interval=HEARTBEAT_MS / 1000,
            consumer_metadata_max_age_ms=METADATA_MAX_AGE_MS,
            consumer_auto_offset_reset="earliest",
            web_enabled=False,
            topic_disable_leader=True,
            topic_allow_declare=False,
            autodiscover=False,
            store="memory://",
            datadir=str(self.data_dir),
            producer_acks=-1,
            stream_wait_empty=False,
        )
        raw = dict(key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
        source = app.topic(topics.INFERENCE.name, **raw)  # type: ignore[arg-type]  # faust types the codec arguments as CodecArg; the raw names and bytes types are what it takes
        sink = app.topic(topics.EVALUATIONS.name, **raw)  # type: ignore[arg-type]  # faust types the codec arguments as CodecArg; the raw names and bytes types are what it takes

        @app.agent(source, name="evaluate")
        async def evaluate(stream: faust.StreamT) -> None:
            # faust-streaming's StreamT declares no take_events, which its Stream has (since 0.10)
            async for events in stream.take_events(self.batch_size, within=self.within_s):  # type: ignore[attr-defined]
                rows = await asyncio.to_thread(self._evaluate, [(event.headers, event.value) for event in events])
                sent = [
                    await sink.send(key=record.key, value=record.value, headers=record.headers)
                    for record in evaluation_records(rows)
                ]
                await asyncio.gather(*sent)
                self.evaluated += len(events)
                telemetry.EVALUATED.labels("kafka").inc(len(events))
                telemetry.kafka_progress("kafka", events, app.consumer.highwater)

        return app

    def _evaluate(self, records: Sequence[tuple[Mapping[str, bytes], bytes | None]]) -> list[dict[str, Any]]:
        return self.pipeline.evaluate(project_events(records))

    async def run(self, stop: asyncio.Event) -> None:
        """Run the faust app inside this process's event loop until `stop`."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        app = self.app()
        await app.start()
        try:
            await stop.wait()
        finally:
            await app.stop()
