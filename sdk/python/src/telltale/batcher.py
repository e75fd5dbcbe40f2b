"""The background sender: a bounded buffer the app appends to, drained in batches by one daemon thread."""

from __future__ import annotations

import atexit
import logging
import os
import random
import threading
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any, Literal

from telltale.events import Kind, complete, encode
from telltale.transport import Outcome, Transport

logger = logging.getLogger("telltale")

Policy = Literal["drop_oldest", "drop_newest"]
BeforeSend = Callable[[dict[str, Any], Kind], "dict[str, Any] | None"]
MAX_BATCH_ITEMS = 1000
"""The ingest API's limit of events per request."""

COUNTERS = (
    "logged",
    "sampled_out",
    "dropped_queue_full",
    "dropped_before_send",
    "dropped_invalid",
    "dropped_refused",
    "dropped_undelivered",
    "accepted",
    "duplicates",
    "rejected",
    "batches",
    "retries",
)


class Batcher:
    """Never blocks nor raises into the caller: past `max_queue` events it drops (by `policy`) and counts.

    The caller's thread only appends a raw event under a short lock; completing, `before_send`, encoding,
    gzip and HTTP all happen on the sender thread, which wakes when `max_batch_items` are queued, every
    `flush_interval` seconds, or on `flush()`. Retryable failures (network, 429, 5xx) back off exponentially
    with jitter up to `max_retries`; other failures are counted and logged, never retried.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        max_queue: int = 10_000,
        policy: Policy = "drop_oldest",
        max_batch_items: int = 500,
        max_batch_bytes: int = 4 * 1024 * 1024,
        flush_interval: float = 1.0,
        max_retries: int = 8,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        before_send: BeforeSend | None = None,
        shutdown_timeout: float = 2.0,
        senders: int = 2,
    ) -> None:
        if policy not in ("drop_oldest", "drop_newest"):
            raise ValueError(f"policy must be drop_oldest or drop_newest, not {policy!r}")
        if not 1 <= max_batch_items <= MAX_BATCH_ITEMS:
            raise ValueError(f"max_batch_items must be 1..{MAX_BATCH_ITEMS}")
        self.transport = transport
        self.shutdown_timeout = shutdown_timeout
        self._max_queue = max_queue
        self._drop_oldest = policy == "drop_oldest"
        self._batch_items = max_batch_items
        self._batch_bytes = max_batch_bytes
        self._interval = flush_interval
        self._max_retries = max_retries
        self._backoff = (backoff_base, backoff_max)
        self._before_send = before_send
        self._senders = senders
        self._reset()
        _live.add(self)

    def _reset(self) -> None:
        """Fresh state: at construction, and in a forked child, which must not share the parent's queue or thread."""
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._queue: deque[tuple[Kind, dict[str, Any]]] = deque()
        self._inflight = 0
        self._threads: list[threading.Thread] = []
        self._counts = dict.fromkeys(COUNTERS, 0)
        self._rng = random.Random()

    def submit(self, kind: Kind, event: dict[str, Any]) -> None:
        """Queue one event; O(1) under a short lock, starting the sender on first use."""
        with self._lock:
            if self._stop.is_set():
                self._counts["dropped_undelivered"] += 1
                return
            queue = self._queue
            if len(queue) >= self._max_queue:
                self._counts["dropped_queue_full"] += 1
                if not self._drop_oldest:
                    return
                queue.popleft()
            queue.append((kind, event))
            self._counts["logged"] += 1
            size = len(queue)
            if not self._threads:
                self._start()
        if size == self._batch_items:
            self._wake.set()

    def count(self, counter: str, n: int = 1) -> None:
        """Add to a counter; under the lock, as the caller's and the sender threads all count."""
        with self._lock:
            self._counts[counter] += n

    def stats(self) -> dict[str, int]:
        """Counters since start (or since fork, in a child), plus what is queued or being sent now."""
        with self._lock:
            return {**self._counts, "queued": len(self._queue), "in_flight": self._inflight}

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far was sent (or given up); False if `timeout` came first."""
        if threading.current_thread() in self._threads:
            return False
        with self._lock:
            if not self._threads and self._queue:
                self._start()
        self._wake.set()
        with self._idle:
            return self._idle.wait_for(lambda: not self._queue and not self._inflight, timeout)

    def close(self, timeout: float | None = None) -> bool:
        """Flush, then stop the sender; events still undelivered after `timeout` are counted and logged."""
        if self._stop.is_set():
            return not self.stats()["in_flight"]
        done = self.flush(self.shutdown_timeout if timeout is None else timeout)
        self._stop.set()
        self._wake.set()
        if not done:
            with self._lock:
                left = len(self._queue)
                self._counts["dropped_undelivered"] += left
                self._queue.clear()
            logger.warning("telltale: closed with %d queued events undelivered", left)
        _live.discard(self)
        self.transport.close()
        return done

    def _start(self) -> None:
        """Start the sender threads: several, so one batch is encoded while another waits for the server."""
        for number in range(self._senders):
            thread = threading.Thread(target=self._run, name=f"telltale-sender-{number}", daemon=True)
            try:
                thread.start()
            except RuntimeError:  # interpreter shutting down: stay queued, close() will report it
                return
            self._threads.append(thread)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            self._drain()

    def _drain(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                queue = self._queue
                if not queue:
                    return
                taken = [queue.popleft() for _ in range(min(len(queue), self._batch_items))]
                self._inflight += len(taken)
                if queue:
                    self._wake.set()
            try:
                self._deliver(taken)
            except Exception:  # a bug here must not kill the sender
                logger.exception("telltale: sender error")
            finally:
                with self._idle:
                    self._inflight -= len(taken)
                    self._idle.notify_all()

    def _deliver(self, taken: list[tuple[Kind, dict[str, Any]]]) -> None:
        encoded: dict[Kind, list[bytes]] = {"inference": [], "feedback": []}
        for kind, event in taken:
            data = self._prepare(kind, event)
            if data is not None:
                encoded[kind].append(data)
        for kind, items in encoded.items():
            batch: list[bytes] = []
            size = 0
            for data in items:
                if batch and size + len(data) > self._batch_bytes:
                    self._send(kind, batch)
                    batch, size = [], 0
                batch.append(data)
                size += len(data) + 1
            if batch:
                self._send(kind, batch)

    def _prepare(self, kind: Kind, event: dict[str, Any]) -> bytes | None:
        """Complete, filter and encode one event; a failing hook or an unencodable value drops only that event."""
        try:
            prepared = complete(event)
            if self._before_send is not None:
                kept = self._before_send(prepared, kind)
                if kept is None:
                    self.count("dropped_before_send")
                    return None
                prepared = kept
            return encode(prepared)
        except Exception as error:
            self.count("dropped_invalid")
            logger.warning("telltale: dropped event %s: %r", event.get("event_id"), error)
            return None

    def _send(self, kind: Kind, batch: list[bytes]) -> None:
        attempt = 0
        outcome = self.transport.send(kind, batch)
        while outcome.retry:
            if attempt >= self._max_retries or self._stop.wait(self._delay(attempt, outcome)):
                self.count("dropped_undelivered", len(batch))
                logger.warning("telltale: gave up on %d %s events: %s", len(batch), kind, outcome.error)
                return
            attempt += 1
            self.count("retries")
            outcome = self.transport.send(kind, batch)
        self._account(kind, outcome)

    def _delay(self, attempt: int, outcome: Outcome) -> float:
        """Exponential backoff with equal jitter, never shorter than the server's Retry-After."""
        base, cap = self._backoff
        delay = min(cap, base * 2**attempt)
        delay = delay / 2 + self._rng.uniform(0, delay / 2)
        return max(delay, outcome.retry_after or 0.0)

    def _account(self, kind: Kind, outcome: Outcome) -> None:
        with self._lock:
            counts = self._counts
            counts["batches"] += 1
            counts["accepted"] += outcome.accepted
            counts["duplicates"] += outcome.duplicates
            counts["rejected"] += outcome.rejected
            counts["dropped_refused"] += outcome.refused
        if outcome.error:
            logger.warning("telltale: %s batch: %s", kind, outcome.error)


_live: weakref.WeakSet[Batcher] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """The child starts empty with its own sender (lazily) and its own connections."""
    for batcher in list(_live):
        batcher._reset()
        batcher.transport.reset()


def _close_all_at_exit() -> None:
    for batcher in list(_live):
        batcher.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_all_at_exit)
