"""GET /metrics: this process's Prometheus series (ingest, evaluation backlog and lag, store batches, alerts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from telltale_server.services.api.dependencies import runtime
from telltale_server.services.runtime import Runtime

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
async def metrics(rt: Annotated[Runtime, Depends(runtime)]) -> Response:
    """Prometheus text exposition; unauthenticated like /health, and holds counts only, no project data."""
    if rt.runner is not None:
        await run_in_threadpool(rt.runner.status)  # sets the backlog, lag and unscored gauges
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
