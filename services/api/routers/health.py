"""GET /health (the process answers) and /ready (the store answers and is migrated)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from telltale_server.schemas.migrate import pending
from telltale_server.services.api.dependencies import runtime
from telltale_server.services.runtime import Runtime
from telltale_server.streams.rollups.changes import count_pending

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process is up and serving."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(rt: Annotated[Runtime, Depends(runtime)]) -> JSONResponse:
    """Readiness: the store answers and every shipped migration is applied; the minutes not rolled up yet (read
    from raw rows meanwhile) and, in local mode, where scoring stands."""
    try:
        todo = await run_in_threadpool(pending, rt.store)
    except Exception as error:
        return JSONResponse({"status": "unavailable", "reason": f"store: {error}"}, status_code=503)
    if todo:
        names = [f"{m.version}_{m.name}" for m in todo]
        return JSONResponse({"status": "unavailable", "reason": f"pending migrations: {names}"}, status_code=503)
    body: dict[str, object] = {
        "status": "ready",
        "rollups": {"pending_minutes": await run_in_threadpool(count_pending, rt.store)},
    }
    if rt.runner is not None:
        body["runner"] = await run_in_threadpool(rt.runner.status)
    return JSONResponse(body)
