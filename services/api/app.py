"""The FastAPI application: routers, and the local runner started and stopped with the server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.api.routers import evaluators, health, ingest, reads
from services.runtime import Runtime


def create_app(rt: Runtime) -> FastAPI:
    """An app serving this runtime; in local mode its lifespan runs the in-process runner."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(rt.runner.run(stop)) if rt.runner else None
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task

    app = FastAPI(
        title="Telltale",
        version="0.1.0",
        summary="Production monitoring and feedback for LLM applications.",
        lifespan=lifespan,
    )
    app.state.runtime = rt
    for router in (health.router, ingest.router, reads.router, evaluators.router):
        app.include_router(router)
    return app
