"""/v1/silences: time-boxed mutes by label matchers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.concurrency import run_in_threadpool

from telltale_server.services.alerts.silences import Silence, SilenceSpec, SilenceStore
from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import invalid, responses
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1/silences", tags=["alerts"], responses=responses(401, 403))
Reader = Annotated[ApiKey, Depends(require("read"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
Rt = Annotated[Runtime, Depends(runtime)]


@router.get("", response_model=list[Silence])
async def list_silences(key: Reader, rt: Rt, active: bool = False) -> list[Silence]:
    """The project's silences; `active=true` for those in force now."""
    found = await run_in_threadpool(SilenceStore(rt.store).of_project, key.project_id)
    now = datetime.now(UTC)
    return [s for s in found if s.active(now)] if active else found


@router.post("", response_model=Silence, status_code=201)
async def create_silence(spec: SilenceSpec, key: Admin, rt: Rt) -> Silence:
    """Mute firing alerts whose labels match every matcher, from `starts_at` (default now) to `ends_at`."""
    if spec.ends_at <= (spec.starts_at or datetime.now(UTC)):
        raise invalid(("body", "ends_at"), "`ends_at` must be after `starts_at` (or now)")
    return await run_in_threadpool(SilenceStore(rt.store).create, key.project_id, spec, key.name)


@router.get("/{silence_id}", response_model=Silence, responses=responses(404))
async def get_silence(silence_id: str, key: Reader, rt: Rt) -> Silence:
    found = await run_in_threadpool(SilenceStore(rt.store).get, key.project_id, silence_id)
    if found is None:
        raise HTTPException(404, f"no silence {silence_id} in this project")
    return found


@router.post("/{silence_id}/expire", response_model=Silence, responses=responses(404))
async def expire_silence(silence_id: str, key: Admin, rt: Rt) -> Silence:
    """End the silence now; it stays listed."""
    found = await run_in_threadpool(SilenceStore(rt.store).expire, key.project_id, silence_id)
    if found is None:
        raise HTTPException(404, f"no silence {silence_id} in this project")
    return found


@router.delete("/{silence_id}", status_code=204, responses=responses(404))
async def delete_silence(silence_id: str, key: Admin, rt: Rt) -> Response:
    if not await run_in_threadpool(SilenceStore(rt.store).delete, key.project_id, silence_id):
        raise HTTPException(404, f"no silence {silence_id} in this project")
    return Response(status_code=204)
