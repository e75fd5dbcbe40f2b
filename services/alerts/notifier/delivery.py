"""Deliver with retry, then record: drains the outbox in order per (group, channel), logging every attempt.

Only the oldest pending notification of each (group, channel) is attempted, so a receiver sees an
alert's firing before its resolve even after an outage; a notification that gives up (`failed`) stops
blocking the ones behind it. Every attempt of one notification carries the same idempotency key.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import httpx

from telltale_server.schemas.store import Store
from telltale_server.services.alerts.channels.http import Result
from telltale_server.services.alerts.channels.send import send
from telltale_server.services.alerts.channels.transport import guarded_client
from telltale_server.services.alerts.notifier.outbox import Outbox, OutboxItem
from telltale_server.services.alerts.rules import Rule
from telltale_server.streams import telemetry

RuleLookup = Callable[[str, str], Rule | None]


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter; a receiver's Retry-After wins when it asks for longer."""

    base_s: float = 1.0
    cap_s: float = 60.0
    jitter: float = 0.5
    max_retry_after_s: float = 3600.0

    def delay(self, attempt: int, retry_after: float | None, draw: Callable[[], float] = random.random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        exponential = min(self.cap_s, self.base_s * 2 ** max(0, attempt - 1))
        wait = exponential * (1 - self.jitter * draw())
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after_s))
        return wait


def heads(pending: Sequence[OutboxItem], now: datetime) -> list[OutboxItem]:
    """The oldest pending notification of each (group, channel), if its next attempt is due."""
    first: dict[tuple[str, str], OutboxItem] = {}
    for candidate in pending:
        key = (candidate.group_key, candidate.channel)
        if key not in first or candidate.seq < first[key].seq:
            first[key] = candidate
    return [head for head in first.values() if head.next_attempt_at <= now]


def after_attempt(
    item: OutboxItem, result: Result, now: datetime, give_up_after_s: float, backoff: Backoff
) -> OutboxItem:
    """The item's next row: delivered; or pending again after a backoff; or failed (not retryable, too old)."""
    attempts = item.attempts + 1
    if result.ok:
        return replace(item, status="delivered", attempts=attempts, last_error="")
    too_old = now - item.queued_at >= timedelta(seconds=give_up_after_s)
    if not result.retryable or too_old:
        return replace(item, status="failed", attempts=attempts, last_error=result.error)
    wait = backoff.delay(attempts, result.retry_after)
    return replace(item, attempts=attempts, next_attempt_at=now + timedelta(seconds=wait), last_error=result.error)


class Deliverer:
    """Attempts what is due, writes the outcome back to the outbox and the attempt to alert_deliveries."""

    def __init__(
        self,
        store: Store,
        rules: RuleLookup,
        allow: Sequence[str],
        give_up_after_s: float,
        timeout_s: float,
        backoff: Backoff | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.store = store
        self.outbox = Outbox(store)
        self.rules = rules
        self.give_up_after_s = give_up_after_s
        self.backoff = backoff or Backoff()
        self.client = guarded_client(timeout_s, allow, transport)

    async def deliver_due(self, now: datetime) -> list[OutboxItem]:
        """One pass over due heads, in parallel across (group, channel); returns their new rows."""
        pending = await asyncio.to_thread(self.outbox.pending)
        due = heads(pending, now)
        updated = list(await asyncio.gather(*(self._attempt(item, now) for item in due)))
        await asyncio.to_thread(self.outbox.write, updated)
        return updated

    async def next_due(self) -> datetime | None:
        """When the earliest pending notification may next be attempted."""
        pending = await asyncio.to_thread(self.outbox.pending)
        return min((item.next_attempt_at for item in pending), default=None)

    async def _attempt(self, item: OutboxItem, now: datetime) -> OutboxItem:
        rule = self.rules(item.project_id, item.rule_id)
        started = time.perf_counter()
        if rule is None or item.channel_index >= len(rule.channels):
            result = Result(ok=False, error="the rule or channel no longer exists")
        else:
            result = await send(self.client, rule.channels[item.channel_index], item.body, item.notification_id)
        elapsed_ms = (time.perf_counter() - started) * 1000
        updated = after_attempt(item, result, now, self.give_up_after_s, self.backoff)
        await asyncio.to_thread(self._record, updated, result, now, elapsed_ms)
        return updated

    def _record(self, item: OutboxItem, result: Result, now: datetime, elapsed_ms: float) -> None:
        outcome = "delivered" if result.ok else ("retrying" if item.status == "pending" else "failed")
        telemetry.delivery(item.channel, outcome)
        row = [
            item.project_id,
            now,
            uuid.uuid4(),
            item.notification_id,
            item.group_key,
            item.channel,
            item.attempts,
            outcome,
            result.status_code,
            result.error,
            elapsed_ms,
        ]
        self.store.client().insert(
            "alert_deliveries",
            [row],
            column_names=[
                "project_id",
                "at",
                "delivery_id",
                "notification_id",
                "group_key",
                "channel",
                "attempt",
                "outcome",
                "status_code",
                "error",
                "duration_ms",
            ],
        )

    async def close(self) -> None:
        await self.client.aclose()
