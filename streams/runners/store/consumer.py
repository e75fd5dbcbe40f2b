"""The store role's runner: an aiokafka batch consumer driving decode → validate → batch → insert → commit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from telltale_server.schemas import topics
from telltale_server.schemas.envelope import OutRecord
from telltale_server.streams import deadletter
from telltale_server.streams.deadletter import DeadLetter
from telltale_server.streams.kafka import clients as kafka_clients
from telltale_server.streams.runners.backoff import Backoff, sleep_or_stop
from telltale_server.streams.runners.store.batch import Batch
from telltale_server.streams.runners.store.commit import commit
from telltale_server.streams.runners.store.decode import Record, decode
from telltale_server.streams.runners.store.insert import Inserter
from telltale_server.streams.runners.store.validate import validate
from telltale_server.streams.sink import Sink

log = logging.getLogger(__name__)
GROUP_ID = "telltale-store"
TOPICS = (topics.INFERENCE.name, topics.FEEDBACK.name, topics.EVALUATIONS.name, topics.DEAD_LETTERS.name)


class StoreRole:
    """Consumes the raw, evaluations and dead-letter topics into ClickHouse, committing only what is stored.

    A rebalance flushes the batch before the partitions go, so the next owner starts where this one
    stopped; a crash loses only uncommitted progress, and the re-delivered records are deduplicated by
    the tables' keys.
    """

    name = "store"

    def __init__(self, bootstrap: str, sink: Sink, max_records: int = 5000, max_age_s: float = 0.5) -> None:
        self.bootstrap = bootstrap
        self.max_records = max_records
        self.max_age_s = max_age_s
        self.inserter = Inserter(sink, self._publish)
        self.batch = self._new_batch()
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()
        self.publisher = kafka_clients.Publisher(bootstrap, timeout_s=10.0)
        self._consumer: AIOKafkaConsumer | None = None

    @property
    def stored(self) -> int:
        """Records written so far by this process."""
        return self.inserter.written

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop`; on the way out, store and commit what is in hand."""
        self._stop = stop
        if not await self._connect(stop):
            return
        assert self._consumer is not None
        try:
            while not stop.is_set():
                room = self.max_records - self.batch.records
                fetched = await self._consumer.getmany(timeout_ms=int(self.batch.time_left() * 1000), max_records=room)
                if fetched:
                    async with self._lock:
                        await asyncio.to_thread(self._take, [r for records in fetched.values() for r in records])
                if self.batch.due():
                    await self.flush()
            await self.flush()
        finally:
            await self._consumer.stop()
            await self.publisher.close()

    async def flush(self) -> None:
        """Write the batch, then commit its offsets; a batch that could not be written is never committed."""
        async with self._lock:
            batch, self.batch = self.batch, self._new_batch()
            if batch.records and await self.inserter.write(batch, self._stop) and self._consumer is not None:
                await commit(self._consumer, batch)

    def _take(self, records: Sequence[Record]) -> None:
        """Steps 1-3 for fetched records, off the event loop (the API may share it)."""
        for record in records:
            self.batch.add(record, validate(record, decode(record)))

    async def _publish(self, letters: Sequence[DeadLetter]) -> None:
        """Poison to the dead-letter topic, acknowledged before its offset may be committed."""
        records = []
        for letter in letters:
            value, headers = deadletter.to_record(letter)
            records.append(OutRecord(letter.project_id.encode(), value, headers))
        await self.publisher.publish(topics.DEAD_LETTERS.name, records)

    async def _connect(self, stop: asyncio.Event) -> bool:
        """Join the group, retrying while the broker is away; False if stopped first."""
        backoff = Backoff(cap_s=10.0)
        while not stop.is_set():
            consumer = kafka_clients.consumer(self.bootstrap, GROUP_ID)
            consumer.subscribe(TOPICS, listener=_FlushOnRevoke(self))
            try:
                await consumer.start()
            except KafkaError as error:
                await consumer.stop()
                delay = backoff.delay()
                log.warning("store role: Kafka unavailable (%s); retrying in %.1fs", error, delay)
                await sleep_or_stop(stop, delay)
                continue
            self._consumer = consumer
            return True
        return False

    def _new_batch(self) -> Batch:
        return Batch(max_records=self.max_records, max_age_s=self.max_age_s)


class _FlushOnRevoke(ConsumerRebalanceListener):
    """Stores and commits the batch before its partitions move to another member."""

    def __init__(self, role: StoreRole) -> None:
        self.role = role

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self.role.flush()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("store role: assigned %d partition(s)", len(assigned))
