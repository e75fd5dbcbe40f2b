"""One active alert evaluator (or drift job) at a time in cluster mode: a lease row in ClickHouse that expires.

ClickHouse has no compare-and-set, so taking the lease is write-then-read-back: a contender writes its
claim only when the lease is free or its own, waits a moment, and holds the lease only if its row is
the newest. Two processes racing in that moment may both act once; the deterministic notification ids
make any such duplicate carry the same idempotency key, which is within at-least-once delivery.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

from telltale_server.schemas.row_versions import next_version
from telltale_server.schemas.store import Store

NAME = "alerts.evaluator"


class Lease:
    """`hold()` before each pass: True while this process is the active evaluator."""

    def __init__(self, store: Store, ttl_s: float = 15.0, settle_s: float = 0.2, name: str = NAME) -> None:
        self.store = store
        self.name = name
        self.ttl = timedelta(seconds=ttl_s)
        self.settle_s = settle_s
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def current(self) -> tuple[str, datetime] | None:
        rows = self.store.rows(
            "SELECT holder, expires_at FROM alert_lease FINAL WHERE name = {n:String}", {"n": self.name}
        )
        return (rows[0]["holder"], rows[0]["expires_at"]) if rows else None

    def hold(self) -> bool:
        """Renew the lease if ours, take it if expired; False while another live process holds it."""
        now = datetime.now(UTC)
        found = self.current()
        if found is not None and found[0] != self.holder and found[1] > now:
            return False
        self._write(now + self.ttl)
        if found is None or found[0] != self.holder:
            time.sleep(self.settle_s)
        confirmed = self.current()
        return confirmed is not None and confirmed[0] == self.holder

    def release(self) -> None:
        """Let a standby take over at once instead of after the expiry."""
        found = self.current()
        if found is not None and found[0] == self.holder:
            self._write(datetime.now(UTC))

    def _write(self, expires_at: datetime) -> None:
        self.store.client().insert(
            "alert_lease",
            [[self.name, self.holder, expires_at, next_version()]],
            column_names=["name", "holder", "expires_at", "version"],
        )
