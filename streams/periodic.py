"""How every background job runs until stopped: a pass, then a wait for the interval, a wake-up or the stop.

The local runner, the alert engine, dataset curation and the drift monitor share it, so they wait, gate and
recover from a failed pass in one way (as Alertmanager's and Arroyo's run loops do).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def repeat(
    step: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    *,
    what: str,
    interval_s: float,
    gate: Callable[[], bool] | None = None,
    wake: asyncio.Event | None = None,
    min_gap_s: float = 0.0,
) -> None:
    """Run `step` until `stop`. A step that returns True has more to do at once; otherwise wait `interval_s` (at
    least `min_gap_s`), or less when `wake` is set. With a `gate` (a lease, asked off the event loop) pass only while
    it holds. A failing pass is logged and tried again at the next one: one bad pass never stops the job."""
    while not stop.is_set():
        if wake is not None:
            wake.clear()
        more = False
        try:
            if gate is None or await asyncio.to_thread(gate):
                more = await step() is True
        except Exception:
            log.exception("%s pass failed; retrying", what)
        if not more:
            if min_gap_s:
                await asyncio.sleep(min_gap_s)
            await wait_any(stop, wake, interval_s - min_gap_s)


async def wait_any(stop: asyncio.Event, wake: asyncio.Event | None, timeout: float) -> None:
    """Sleep until `stop` or `wake` is set, or the timeout passes."""
    waiters = {asyncio.ensure_future(event.wait()) for event in (stop, wake) if event is not None}
    await asyncio.wait(waiters, timeout=max(0.0, timeout), return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()
