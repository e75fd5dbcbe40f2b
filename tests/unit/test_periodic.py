"""The one run loop of the background jobs: passes, gating, wake-ups and surviving a failed pass."""

from __future__ import annotations

import asyncio

from telltale_server.streams.periodic import repeat


def test_a_failed_pass_is_retried_and_a_busy_step_runs_again_at_once() -> None:
    calls: list[str] = []

    async def main() -> None:
        stop = asyncio.Event()

        async def step() -> bool:
            calls.append("pass")
            if len(calls) == 1:
                raise RuntimeError("the store went away")
            if len(calls) == 4:
                stop.set()
            return True  # busy: no wait between passes, so an hour-long interval never delays the next

        await repeat(step, stop, what="test", interval_s=0.05)

    asyncio.run(main())
    assert calls == ["pass"] * 4


def test_the_gate_holds_passes_back_and_a_wake_cuts_the_wait_short() -> None:
    passes: list[bool] = []

    async def main() -> None:
        stop, wake = asyncio.Event(), asyncio.Event()
        held = iter([False, True, True])

        async def step() -> None:
            passes.append(True)
            if len(passes) == 2:
                stop.set()

        async def nudge() -> None:
            while not stop.is_set():
                wake.set()
                await asyncio.sleep(0.01)

        nudger = asyncio.create_task(nudge())
        await repeat(step, stop, what="test", interval_s=3600, gate=lambda: next(held), wake=wake)
        await nudger

    asyncio.run(main())
    assert passes == [True, True]
