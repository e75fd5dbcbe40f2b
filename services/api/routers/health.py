"""GET /health (the process answers) and /ready (the store answers and is migrated)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from schemas.migrate import pending
from services.api.dependencies import runtime
from services.runtime import Runtime

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process is up and serving."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(rt: Annotated[Runtime, Depends(runtime)]) -> JSONResponse:
    """Readiness: the store answers and every shipped migration is applied."""
    try:
        todo = await run_in_threadpool(pending, rt.store)
    except Exception as error:
        return JSONResponse({"status": "unavailable", "reason": f"store: {error}"}, status_code=503)
    if todo:
        names = [f"{m.version}_{m.name}" for m in todo]
        return JSONResponse({"status": "unavailable", "reason": f"pending migrations: {names}"}, status_code=503)
    return JSONResponse({"status": "ready"})
