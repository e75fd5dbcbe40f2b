"""Demo traffic written into the in-process store through the real ingest service and evaluated by the runner."""

from __future__ import annotations

import asyncio
from datetime import datetime

import orjson

from telltale_server.services.demo.generator import DemoCall, DemoTraffic
from telltale_server.services.runtime import Runtime


def fill_with_demo(
    rt: Runtime, project: str, events: int, start: datetime, end: datetime, seed: int = 3
) -> list[DemoCall]:
    """Ingest `events` demo calls and their feedback for `project`, then evaluate everything stored."""
    calls = list(DemoTraffic(seed=seed).calls(events, start, end))
    inference = orjson.dumps([call.inference for call in calls])
    feedback = orjson.dumps([item for call in calls for item in call.feedback])

    async def ingest() -> None:
        await rt.ingest.ingest(project, "inference", inference, "application/json")
        await rt.ingest.ingest(project, "feedback", feedback, "application/json")

    asyncio.run(ingest())
    assert rt.runner is not None
    rt.runner.drain()
    return calls
