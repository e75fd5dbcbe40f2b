"""The Kafka client factory: every Telltale process produces and consumes with the same guarantees."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

SESSION_TIMEOUT_MS = 15_000
"""Long enough to ride out a pause, short enough that a killed worker's partitions move on within seconds."""
HEARTBEAT_MS = 3_000


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
        max_partition_fetch_bytes=4 * 1024 * 1024,
        fetch_max_bytes=32 * 1024 * 1024,
    )
