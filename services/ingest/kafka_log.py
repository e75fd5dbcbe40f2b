"""Cluster mode's event log: the raw Kafka topics, written with an idempotent, acks=all producer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from schemas import topics
from schemas.envelope import OutRecord, event_record
from schemas.kafka_clients import producer
from schemas.store import Store
from services.ingest.known import fresh
from services.ingest.log import TABLES, Event, Kind, LogUnavailableError
from streams import deadletter
from streams.deadletter import DeadLetter
from streams.runners.backoff import Backoff, sleep_or_stop

log = logging.getLogger(__name__)


class KafkaEventLog:
    """Publishes accepted events and answers only after the broker acknowledged every record.

    Duplicates: the ingest cannot see records still in flight between the topic and the store, so it
    answers `duplicate` only for ids the store already holds (the same query local mode runs) and
    `accepted` otherwise. A re-send that races its original is published twice and stored once:
    the event tables deduplicate on their key (ReplacingMergeTree). A broker that does not acknowledge
    within `ack_timeout_s` turns into LogUnavailableError (503): the client re-sends, nothing is dropped.
    """

    name = "kafka.producer"

    def __init__(self, bootstrap: str, store: Store, ack_timeout_s: float = 5.0) -> None:
        self.bootstrap = bootstrap
        self.store = store
        self.ack_timeout_s = ack_timeout_s
        self._producer: AIOKafkaProducer | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Own the producer for the life of the process: connect (retrying while the broker is away), then flush."""
        backoff = Backoff(cap_s=10.0)
        while not stop.is_set():
            candidate = producer(self.bootstrap)
            try:
                await candidate.start()
            except KafkaError as error:
                await candidate.stop()
                delay = backoff.delay()
                log.warning("Kafka at %s unavailable (%s); retrying in %.1fs", self.bootstrap, error, delay)
                await sleep_or_stop(stop, delay)
                continue
            self._producer = candidate
            break
        await stop.wait()
        if self._producer is not None:
            self._producer, running = None, self._producer
            await running.stop()

    async def append(self, project_id: str, kind: Kind, events: Sequence[Event]) -> list[bool]:
        flags = await asyncio.to_thread(fresh, self.store, project_id, TABLES[kind], events)
        received_at = datetime.now(UTC)
        records = [
            event_record(project_id, kind, event, received_at)
            for event, is_new in zip(events, flags, strict=True)
            if is_new
        ]
        await self._publish(topics.RAW_TOPICS[kind], records)
        return flags

    async def dead_letters(self, letters: Sequence[DeadLetter]) -> None:
        """Refused input goes to the dead-letter topic; the store role files it in the dead_letters table."""
        records = []
        for letter in letters:
            value, headers = deadletter.to_record(letter)
            records.append(OutRecord(letter.project_id.encode(), value, headers))
        await self._publish(topics.DEAD_LETTERS.name, records)

    async def _publish(self, topic: str, records: Sequence[OutRecord]) -> None:
        """Send every record, then wait for all acknowledgements; any failure means none may be reported."""
        if not records:
            return
        if self._producer is None:
            raise LogUnavailableError("the event log is not connected to Kafka yet")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ack_timeout_s
        try:
            async with asyncio.timeout_at(deadline):
                sent = [
                    await self._producer.send(topic, record.value, key=record.key, headers=record.headers)
                    for record in records
                ]
            # asyncio.wait, not gather: a timeout must not cancel the producer's own delivery futures.
            done, pending = await asyncio.wait(sent, timeout=max(0.0, deadline - loop.time()))
            if pending:
                raise TimeoutError
            for future in done:
                future.result()
        except (KafkaError, TimeoutError) as error:
            raise LogUnavailableError(f"Kafka did not acknowledge the events: {type(error).__name__}") from error
