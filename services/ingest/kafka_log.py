"""Cluster mode's event log: the raw Kafka topics, written with an idempotent, acks=all producer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from aiokafka.errors import KafkaError

from telltale_server.schemas import topics
from telltale_server.schemas.envelope import OutRecord, event_record
from telltale_server.schemas.store import Store
from telltale_server.services.ingest.known import fresh
from telltale_server.services.ingest.log import TABLES, Event, Kind, LogUnavailableError
from telltale_server.streams import deadletter
from telltale_server.streams.deadletter import DeadLetter
from telltale_server.streams.kafka.clients import Publisher

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
        self.store = store
        self.publisher = Publisher(bootstrap, timeout_s=ack_timeout_s)

    async def run(self, stop: asyncio.Event) -> None:
        """Own the producer for the life of the process; it connects on first use and flushes at the end."""
        await stop.wait()
        await self.publisher.close()

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
        """Every record acknowledged, or LogUnavailableError: then none may be reported as accepted."""
        try:
            await self.publisher.publish(topic, records)
        except (KafkaError, TimeoutError) as error:
            log.warning("Kafka did not acknowledge %d record(s): %r", len(records), error)
            raise LogUnavailableError(f"Kafka did not acknowledge the events: {type(error).__name__}") from error
