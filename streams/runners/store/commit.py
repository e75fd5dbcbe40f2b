"""Step 5: commit the batch's offsets, the last step, so a committed offset always means "stored"."""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from telltale_server.streams.runners.store.batch import Batch

log = logging.getLogger(__name__)


async def commit(consumer: AIOKafkaConsumer, batch: Batch) -> bool:
    """Commit the partitions this consumer still owns; False when the group moved on (the records come again)."""
    owned = consumer.assignment()
    offsets = {
        TopicPartition(topic, partition): offset
        for (topic, partition), offset in batch.offsets.items()
        if TopicPartition(topic, partition) in owned
    }
    if not offsets:
        return False
    try:
        await consumer.commit(offsets)
    except (CommitFailedError, IllegalStateError, KafkaError) as error:
        log.warning("commit failed (%s); these records will be delivered again and deduplicated", error)
        return False
    return True
