"""GET /v1/dead-letters: what ingest refused, with its reason and its bytes as they came."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import responses
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.events.deadletters import StoredDeadLetter, recent_dead_letters
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["read"], responses=responses(401, 403))
Reader = Annotated[ApiKey, Depends(require("read"))]
Rt = Annotated[Runtime, Depends(runtime)]


@router.get("/dead-letters", response_model=list[StoredDeadLetter])
async def dead_letters(
    key: Reader,
    rt: Rt,
    kind: Literal["inference", "feedback"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[StoredDeadLetter]:
    """The newest refused items of the key's project, with the reason and the bytes as they came."""
    return await run_in_threadpool(recent_dead_letters, rt.store, key.project_id, limit, kind)
