"""Step 4: write a batch durably: publish its poison to the dead-letter topic, insert its rows, retry until done."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from telltale_server.streams.deadletter import DeadLetter
from telltale_server.streams.runners.backoff import Backoff, sleep_or_stop
from telltale_server.streams.runners.store.batch import Batch
from telltale_server.streams.runners.store.validate import EVALUATIONS, FEEDBACK, INFERENCE
from telltale_server.streams.sink import Sink

log = logging.getLogger(__name__)
PublishDeadLetters = Callable[[Sequence[DeadLetter]], Awaitable[None]]


class Inserter:
    """Writes batches through the Sink; every table deduplicates on its key, so a retried insert is harmless."""

    def __init__(self, sink: Sink, publish: PublishDeadLetters, backoff: Backoff | None = None) -> None:
        self.sink = sink
        self.publish = publish
        self.backoff = backoff or Backoff(first_s=0.5, cap_s=30.0)
        self.written = 0

    async def write(self, batch: Batch, stop: asyncio.Event) -> bool:
        """True once the whole batch is durable; False if the process is stopping first (then nothing may commit)."""
        while True:
            try:
                await self.publish(batch.poison)
                await asyncio.to_thread(self._insert, batch)
            except Exception as error:
                delay = self.backoff.delay()
                log.warning("store step failed (%s: %s); retrying in %.1fs", type(error).__name__, error, delay)
                if await sleep_or_stop(stop, delay):
                    return False
                continue
            self.backoff.reset()
            self.written += batch.records
            return True

    def _insert(self, batch: Batch) -> None:
        """Raw events first, then what derives from them, then the dead letters."""
        self.sink.inference(batch.rows.get(INFERENCE, []))
        self.sink.feedback(batch.rows.get(FEEDBACK, []))
        self.sink.evaluations(batch.rows.get(EVALUATIONS, []))
        self.sink.dead_letters(batch.filed)
