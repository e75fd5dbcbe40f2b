"""The FastAPI application: routers, and the background jobs started and stopped with the server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from telltale_server.services.api.errors import document_errors, unprocessable
from telltale_server.services.api.json_bodies import FormLabelledJson
from telltale_server.services.api.methods import allow_every_method
from telltale_server.services.api.routers import (
    alert_rules,
    alerts,
    console,
    conversations,
    datasets,
    dead_letters,
    docs,
    drift,
    evaluators,
    events,
    health,
    ingest,
    metrics,
    otlp,
    prometheus,
    queues,
    scoring,
    silences,
    timeseries,
    worsened,
)
from telltale_server.services.api.titles import distinct_titles
from telltale_server.services.runtime import Runtime

log = logging.getLogger(__name__)


def create_app(rt: Runtime) -> FastAPI:
    """An app serving this runtime; its lifespan runs the runtime's jobs (the local runner, or cluster roles)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(job.run(stop), name=job.name) for job in rt.jobs]
        for task in tasks:
            task.add_done_callback(_report_crash)
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks)

    app = FastAPI(
        title="Telltale",
        version="0.1.0",
        summary="Production monitoring and feedback for LLM applications.",
        lifespan=lifespan,
        docs_url=None,  # served by the docs router from installed files, not from a CDN
        redoc_url=None,  # one documentation page: Redoc's bundle links images on its own CDN
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.runtime = rt
    app.add_middleware(FormLabelledJson)
    app.add_exception_handler(HTTPException, allow_every_method)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, unprocessable)  # type: ignore[arg-type]
    routers = (
        health,
        prometheus,
        ingest,
        otlp,
        scoring,
        worsened,
        metrics,
        evaluators,
        alert_rules,
        alerts,
        silences,
        timeseries,
        datasets,
        queues,
        drift,
        events,
        conversations,
        dead_letters,
        docs,
        console,
    )
    for router in (module.router for module in routers):
        app.include_router(router)
    app.state.routes = [route for module in routers for route in module.router.routes]  # for 405's Allow
    make_document = app.openapi

    def openapi() -> dict[str, Any]:
        return app.openapi_schema or document_errors(distinct_titles(make_document()))

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise the OpenAPI document is to replace app.openapi
    return app


def _report_crash(task: asyncio.Task[None]) -> None:
    """A job that ends with an error is logged at once, not only when the server stops."""
    if not task.cancelled() and task.exception() is not None:
        log.error("background job %s crashed", task.get_name(), exc_info=task.exception())
