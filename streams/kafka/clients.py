"""The Kafka client factory: every Telltale process produces and consumes with the same guarantees."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner

from telltale_server.schemas.envelope import OutRecord

SESSION_TIMEOUT_MS = 15_000
"""Long enough to ride out a pause, short enough that a killed worker's partitions move on within seconds."""
HEARTBEAT_MS = 3_000
METADATA_MAX_AGE_MS = 15_000
"""How often consumers refresh topic metadata unasked. A group that rejoins while a restarted broker does not
list a topic yet is assigned nothing; the next refresh sees the topic and triggers a new rebalance, so this
bounds that stall (Kafka's default, 5 minutes, would leave a worker idle that long)."""
_PARTITIONER = DefaultPartitioner()
"""murmur2 of the key, as Kafka's Java clients do: a project's trace always lands on one partition."""


def producer(bootstrap: str, request_timeout_ms: int = 10_000) -> AIOKafkaProducer:
    """An idempotent, acks=all producer: a retry by the producer never loses or doubles a record."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=request_timeout_ms,
        client_id="telltale",
    )


def consumer(bootstrap: str, group_id: str) -> AIOKafkaConsumer:
    """A group member that commits by hand (after its batch is stored) and starts at the earliest record."""
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=HEARTBEAT_MS,
        metadata_max_age_ms=METADATA_MAX_AGE_MS,
        max_partition_fetch_bytes=4 * 1024 * 1024,
        fetch_max_bytes=32 * 1024 * 1024,
    )


class Publisher:
    """Sends records and waits for every acknowledgement, replacing its producer after any failure.

    An idempotent producer whose batches expired while the broker was away stays wedged on
    OutOfOrderSequenceNumber; a fresh producer (a new producer id) is the documented way out.
    """

    def __init__(self, bootstrap: str, timeout_s: float = 5.0) -> None:
        self.bootstrap = bootstrap
        self.timeout_s = timeout_s
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def publish(self, topic: str, records: Sequence[OutRecord]) -> None:
        """Return once the broker acknowledged every record; raise KafkaError or TimeoutError otherwise."""
        if not records:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        current = await asyncio.wait_for(self._current(), self.timeout_s)
        sent: list[asyncio.Future[Any]] = []
        try:
            async with asyncio.timeout_at(deadline):
                partitions = sorted(await current.partitions_for(topic))
                by_partition: dict[int, list[OutRecord]] = defaultdict(list)
                for record in records:
                    by_partition[_PARTITIONER(record.key, partitions, partitions)].append(record)
                for partition, group in by_partition.items():
                    sent.extend(await _send_batches(current, topic, partition, group))
            # asyncio.wait, not gather: a timeout must not cancel the producer's own delivery futures.
            done, pending = await asyncio.wait(sent, timeout=max(0.0, deadline - loop.time()))
            if pending:
                raise TimeoutError(f"{len(pending)} batch(es) not acknowledged within {self.timeout_s}s")
            for future in done:
                future.result()
        except (KafkaError, TimeoutError):
            for future in sent:
                future.add_done_callback(_retrieve)
            await self._discard(current)
            raise

    async def close(self) -> None:
        async with self._lock:
            current, self._producer = self._producer, None
        if current is not None:
            await current.stop()

    async def _current(self) -> AIOKafkaProducer:
        """The live producer, started on first use (or after a failure)."""
        async with self._lock:
            if self._producer is None:
                candidate = producer(self.bootstrap)
                try:
                    await candidate.start()
                except BaseException:
                    await candidate.stop()
                    raise
                self._producer = candidate
            return self._producer

    async def _discard(self, broken: AIOKafkaProducer) -> None:
        """Drop a producer that failed; the next publish starts a new one. Its stop must not block callers."""
        async with self._lock:
            if self._producer is broken:
                self._producer = None
        task = asyncio.ensure_future(asyncio.wait_for(broken.stop(), 30))
        task.add_done_callback(_retrieve)


async def _send_batches(
    current: AIOKafkaProducer, topic: str, partition: int, records: list[OutRecord]
) -> list[asyncio.Future[Any]]:
    """Records of one partition as few producer batches: far cheaper than a `send` per record."""
    futures = []
    batch = current.create_batch()
    for record in records:
        if batch.append(key=record.key, value=record.value, timestamp=None, headers=record.headers) is None:
            futures.append(await current.send_batch(batch, topic, partition=partition))
            batch = current.create_batch()
            batch.append(key=record.key, value=record.value, timestamp=None, headers=record.headers)
    futures.append(await current.send_batch(batch, topic, partition=partition))
    return futures


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a failed future's error as seen: the caller already reported the failure."""
    if not future.cancelled():
        future.exception()
