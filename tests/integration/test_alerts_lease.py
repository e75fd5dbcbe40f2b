"""`telltale jobs` run twice: one holds the lease and evaluates, the other waits and takes over."""

from __future__ import annotations

from telltale_server.schemas.lease import Lease
from telltale_server.services.runtime import Runtime


def test_one_holder_at_a_time_and_takeover_after_release_or_expiry(runtime: Runtime) -> None:
    first, second = Lease(runtime.store, ttl_s=30, settle_s=0), Lease(runtime.store, ttl_s=30, settle_s=0)
    first.release(), second.release()
    runtime.store.command("TRUNCATE TABLE alert_lease")
    assert first.hold() and not second.hold()
    assert first.hold(), "renewing"
    first.release()
    assert second.hold() and not first.hold()
    expiring = Lease(runtime.store, ttl_s=0, settle_s=0)
    second.release()
    assert expiring.hold()
    assert first.hold(), "an expired lease is free to take"
