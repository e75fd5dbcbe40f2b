"""The background job that emits LLM calls whose retrieval did not arrive within the hold."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telltale_server.services.ingest.otel.receiver import TraceReceiver

log = logging.getLogger(__name__)


class HeldCallsJob:
    """Every `interval_s` (a fraction of the hold, at most a second), release the calls held too long."""

    name = "otel.held_calls"

    def __init__(self, receiver: TraceReceiver) -> None:
        self.receiver = receiver
        self.interval_s = min(1.0, max(0.05, receiver.hold_s / 4))

    async def run(self, stop: asyncio.Event) -> None:
        """Pass after pass until `stop`; a failed pass is logged and retried (the calls stay held)."""
        while not stop.is_set():
            try:
                await self.receiver.release_expired()
            except Exception:
                log.exception("releasing held OpenTelemetry calls failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval_s)
