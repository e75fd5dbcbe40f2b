"""Drift: monitors (list, create, update, delete), results per window and segment, Evidently reports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field

from telltale_server.schemas.times import Time
from telltale_server.services.api import security
from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import invalid, responses
from telltale_server.services.api.ranges import ANY_LENGTH, time_range
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.datasets.versions import versions
from telltale_server.services.drift import views
from telltale_server.services.runtime import Runtime
from telltale_server.streams.drift.config import DEFAULT_MONITOR_ID, Monitor, MonitorConfig
from telltale_server.streams.drift.job import JOB
from telltale_server.streams.drift.monitors import StoredMonitors
from telltale_server.streams.drift.report import ASSET_ROUTE, UnsafeReportError, asset_path, escape_data
from telltale_server.streams.health import HealthLog, JobError

router = APIRouter(prefix="/v1/drift", tags=["drift"], responses=responses(401, 403))
Rt = Annotated[Runtime, Depends(runtime)]
Reader = Annotated[ApiKey, Depends(require("read"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
MonitorId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="lowercase letters, digits, - _")]


class MonitorOut(BaseModel):
    monitor_id: str
    config: MonitorConfig
    updated_at: datetime | None = Field(None, description="null for the implicit default monitor")
    last_error: JobError | None = Field(
        None, description="why the drift job could not compute this monitor lately; null while it works"
    )


class NewMonitor(BaseModel):
    monitor_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    config: MonitorConfig = Field(default_factory=MonitorConfig)


class SignalOut(BaseModel):
    signal: str
    kind: str
    status: Literal["ok", "drift", "insufficient_data"]
    test: str
    score: float | None = Field(description="the test's statistic: a p-value or a distance, as `test` says")
    threshold: float | None
    n_current: int
    n_reference: int


class ResultOut(BaseModel):
    result_id: str
    monitor_id: str
    window_start: datetime
    window_end: datetime
    segment: str = Field(description="'all', or field=value ('(other)' pools the values outside the top K)")
    reference: str
    status: Literal["ok", "drift", "insufficient_data", "error"]
    n_current: int
    n_reference: int
    n_signals: int = Field(description="signals with a verdict")
    n_drifted: int
    share_drifted: float | None
    drift_share_threshold: float
    error: str
    code_version: str
    computed_at: datetime
    report_url: str | None
    signals: list[SignalOut]


@router.get("/monitors", response_model=list[MonitorOut])
async def list_monitors(key: Reader, rt: Rt) -> list[MonitorOut]:
    """The project's monitors; the default one exists until it is replaced or deleted."""
    found = await run_in_threadpool(StoredMonitors(rt.store).of_project, key.project_id)
    errors = await run_in_threadpool(HealthLog(rt.store, JOB).errors, key.project_id)
    return [_monitor(m, errors.get(m.monitor_id)) for m in found]


@router.post("/monitors", response_model=MonitorOut, status_code=201, responses=responses(409))
async def create_monitor(body: NewMonitor, key: Admin, rt: Rt) -> MonitorOut:
    """A new monitor; 409 if the id is taken."""
    await _check_reference(rt, key, body.config, ("body", "config"))
    monitors = StoredMonitors(rt.store)
    if await run_in_threadpool(monitors.get, key.project_id, body.monitor_id) is not None:
        raise HTTPException(409, f"monitor {body.monitor_id!r} exists; PUT /v1/drift/monitors/{body.monitor_id}")
    return _monitor(await run_in_threadpool(monitors.put, key.project_id, body.monitor_id, body.config))


@router.put("/monitors/{monitor_id}", response_model=MonitorOut, responses=responses(404))
async def update_monitor(monitor_id: MonitorId, body: MonitorConfig, key: Admin, rt: Rt) -> MonitorOut:
    """Replace a monitor's configuration (windows already computed keep their results)."""
    await _check_reference(rt, key, body, ("body",))
    monitors = StoredMonitors(rt.store)
    if await run_in_threadpool(monitors.get, key.project_id, monitor_id) is None:
        raise HTTPException(404, f"no monitor {monitor_id!r}; create it with POST /v1/drift/monitors")
    return _monitor(await run_in_threadpool(monitors.put, key.project_id, monitor_id, body))


async def _check_reference(rt: Runtime, key: ApiKey, config: MonitorConfig, where: tuple[str, ...]) -> None:
    """A dataset reference names a version of one of this project's datasets, or the monitor could never run."""
    ref = config.reference
    if ref.kind == "dataset" and ref.dataset_id is not None:
        found = await run_in_threadpool(versions, rt.store, key.project_id, ref.dataset_id, ref.version)
        if not found:
            message = f"dataset {ref.dataset_id!r} has no version {ref.version} in this project"
            raise invalid((*where, "reference", "dataset_id"), message)


def _monitor(monitor: Monitor, last_error: JobError | None = None) -> MonitorOut:
    """The API's view of a monitor; a stored configuration that cannot run is its own last error."""
    if monitor.problem and last_error is None:
        at = monitor.updated_at or datetime.now(UTC)
        last_error = JobError(error=monitor.problem, since=at, at=at)
    return MonitorOut(
        monitor_id=monitor.monitor_id, config=monitor.config, updated_at=monitor.updated_at, last_error=last_error
    )


@router.delete("/monitors/{monitor_id}", status_code=204, responses=responses(404))
async def delete_monitor(monitor_id: MonitorId, key: Admin, rt: Rt) -> None:
    """Stop a monitor; deleting 'default' opts the project out of default drift monitoring."""
    monitors = StoredMonitors(rt.store)
    if await run_in_threadpool(monitors.get, key.project_id, monitor_id) is None:
        raise HTTPException(404, f"no monitor {monitor_id!r}")
    await run_in_threadpool(monitors.delete, key.project_id, monitor_id)


@router.get("", response_model=list[ResultOut])
async def results(
    key: Reader,
    rt: Rt,
    monitor: str = Query("", max_length=64, description=f"a monitor id, e.g. {DEFAULT_MONITOR_ID!r}"),
    start: Annotated[Time | None, Query(alias="from", description="window start from (default: 24 h ago)")] = None,
    end: Annotated[Time | None, Query(alias="to", description="window start before (default: now)")] = None,
    segment: str = Query("", max_length=300, description="'all' or e.g. 'model=gpt-4o'"),
    status: Literal["", "ok", "drift", "insufficient_data", "error"] = "",
    limit: int = Query(200, ge=1, le=5000),
) -> list[ResultOut]:
    """Drift results per window and segment, newest first, each with its signals (drifted first)."""
    start, end = time_range(start, end, longest=ANY_LENGTH)
    rows = await run_in_threadpool(views.runs, rt.store, key.project_id, start, end, monitor, segment, status, limit)
    return [_result(row) for row in rows]


@router.get(ASSET_ROUTE.removeprefix(router.prefix) + "/{name}", include_in_schema=False)
async def asset(name: str) -> FileResponse:
    """Evidently's script and font for the stored reports, served from the installed package."""
    path = asset_path(name)
    if path is None or not path.is_file():
        raise HTTPException(404, "no such asset")
    media = "text/javascript" if name.endswith(".js") else "font/woff2"
    return FileResponse(path, media_type=media, headers=security.REPORT_ASSET)


@router.get("/{result_id}/report", response_class=HTMLResponse, responses=responses(404, 410))
async def report(result_id: Annotated[str, Path(max_length=64)], key: Reader, rt: Rt) -> HTMLResponse:
    """The full Evidently HTML report of one result (window x segment), sandboxed in an origin of its own."""
    html = await run_in_threadpool(views.report, rt.store, key.project_id, result_id)
    if html is None:
        raise HTTPException(404, f"no report for result {result_id!r} in this project")
    try:
        safe = escape_data(html)
    except UnsafeReportError as error:
        raise HTTPException(410, f"{error}: recompute it with `telltale replay --drift`") from None
    return HTMLResponse(safe, headers=security.SANDBOXED_REPORT)


def _result(row: dict[str, Any]) -> ResultOut:
    url = f"/v1/drift/{row['run_id']}/report" if row["has_report"] else None
    return ResultOut(result_id=row["run_id"], report_url=url, **row)
