"""GET /v1/traces/{trace_id} and /v1/sessions/{session_id}: the calls that belong together, from one of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.concurrency import run_in_threadpool

from telltale_server.schemas.limits import MAX_LABEL_CHARS
from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import responses
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.events.session import Session, session
from telltale_server.services.events.trace import Trace, trace
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["read"], responses=responses(401, 403, 404))
Reader = Annotated[ApiKey, Depends(require("read"))]
Rt = Annotated[Runtime, Depends(runtime)]
_ID = rf"^[^\x00-\x1f\x7f]{{1,{MAX_LABEL_CHARS}}}$"
"""An id as the contract takes it: up to its length limit, no control characters."""


@router.get("/traces/{trace_id}", response_model=Trace)
async def get_trace(trace_id: Annotated[str, Path(pattern=_ID)], key: Reader, rt: Rt) -> Trace:
    """Every call of the key's project with this trace_id as a span tree (by parent_span_id, else in time order)
    with each call's start, duration, model, route and status."""
    found = await run_in_threadpool(trace, rt.store, key.project_id, trace_id)
    if found is None:
        raise HTTPException(404, f"no calls of trace {trace_id} in this project")
    return found


@router.get("/sessions/{session_id}", response_model=Session)
async def get_session(session_id: Annotated[str, Path(pattern=_ID)], key: Reader, rt: Rt) -> Session:
    """The conversation: the key's project's calls with this session_id in time order, each with its scores and
    feedback."""
    found = await run_in_threadpool(session, rt.store, key.project_id, session_id)
    if found is None:
        raise HTTPException(404, f"no calls of session {session_id} in this project")
    return found
