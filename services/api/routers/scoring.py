"""GET /v1/scoring: how far scoring is behind for the key's project, so a chart never shows a false calm."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.runtime import Runtime
from telltale_server.streams.runners.local import LocalRunner

router = APIRouter(prefix="/v1", tags=["metrics"])


class ScoringStatus(BaseModel):
    mode: Literal["local", "cluster"]
    backlog: int | None = Field(description="The project's stored calls not scored yet (local mode; null on Kafka).")
    lag_seconds: float | None = Field(description="Age of the oldest of them since it was received; 0 when caught up.")
    unscored_from: datetime | None = Field(
        description="Event time of the earliest call not scored yet: evaluation charts from here on are incomplete."
    )
    unscored: dict[str, int] = Field(
        description="Per evaluator, calls the overload policy `sample` left unscored and not yet backfilled."
    )
    overload: str = Field(description="The overload policy: `keep` (fall behind) or `sample`.")


@router.get("/scoring", response_model=ScoringStatus)
async def scoring(
    key: Annotated[ApiKey, Depends(require("read"))], rt: Annotated[Runtime, Depends(runtime)]
) -> ScoringStatus:
    """Scoring's standing for this project: backlog, lag, where the charts stop being complete, skipped calls.
    On Kafka the evaluate role's lag is in Prometheus (`telltale_evaluation_lag_seconds`)."""
    if rt.runner is None:
        return ScoringStatus(
            mode="cluster", backlog=None, lag_seconds=None, unscored_from=None, unscored={}, overload="keep"
        )
    return await run_in_threadpool(_local, rt.runner, key.project_id)


def _local(runner: LocalRunner, project_id: str) -> ScoringStatus:
    backlog, lag_s, first_ts = runner.standing(project_id)
    return ScoringStatus(
        mode="local",
        backlog=backlog,
        lag_seconds=round(lag_s, 3),
        unscored_from=first_ts,
        unscored=runner.gaps.unscored(project_id),
        overload=runner.overload.policy if runner.overload is not None else "keep",
    )
