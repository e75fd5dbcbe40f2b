"""/v1/alerts: alerts and where they stand, one alert with its delivery log, acknowledgements, re-delivery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from telltale_server.services.alerts.acks import AckStore
from telltale_server.services.alerts.notifier.outbox import Outbox
from telltale_server.services.alerts.state import StateName, StateStore
from telltale_server.services.alerts.views import AlertDetail, AlertView, alert_detail, list_alerts
from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import responses
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["alerts"], responses=responses(401, 403))
Reader = Annotated[ApiKey, Depends(require("read"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
Rt = Annotated[Runtime, Depends(runtime)]


class AckRequest(BaseModel):
    comment: str = Field(default="", max_length=5000)


class Requeued(BaseModel):
    notification_id: str
    status: str


@router.get("/alerts", response_model=list[AlertView])
async def alerts(key: Reader, rt: Rt, state: StateName | None = None, rule_id: str | None = None) -> list[AlertView]:
    """The project's alerts; `state=firing` for what is burning now."""
    return await run_in_threadpool(list_alerts, rt.store, key.project_id, state, rule_id)


@router.get("/alerts/{fingerprint}", response_model=AlertDetail, responses=responses(404))
async def alert(fingerprint: str, key: Reader, rt: Rt) -> AlertDetail:
    """One alert with its transitions and every notification and delivery attempt that carried it."""
    found = await run_in_threadpool(alert_detail, rt.store, key.project_id, fingerprint)
    if found is None:
        raise HTTPException(404, f"no alert {fingerprint} in this project")
    return found


@router.post("/alerts/{fingerprint}/ack", response_model=AlertView, responses=responses(404, 409))
async def ack(fingerprint: str, request: AckRequest, key: Admin, rt: Rt) -> AlertView:
    """Acknowledge the current incident: repeats stop; the resolve is still sent."""
    state = (await run_in_threadpool(StateStore(rt.store).load, key.project_id)).get(fingerprint)
    if state is None or state.state not in ("pending", "firing") or state.active_since is None:
        raise HTTPException(409, "only a pending or firing alert can be acknowledged")
    store = AckStore(rt.store)
    await run_in_threadpool(store.ack, key.project_id, fingerprint, state.active_since, key.name, request.comment)
    return await alert(fingerprint, key, rt)


@router.post("/alert-notifications/{notification_id}/retry", response_model=Requeued, responses=responses(404, 409))
async def retry(notification_id: str, key: Admin, rt: Rt) -> Requeued:
    """Queue a notification that gave up (`failed`) for delivery again, with a fresh give-up age."""
    outbox = Outbox(rt.store)
    found = await run_in_threadpool(outbox.get, key.project_id, notification_id)
    if found is None:
        raise HTTPException(404, f"no notification {notification_id} in this project")
    if found.status != "failed":
        raise HTTPException(409, f"notification is {found.status}; only failed ones are retried")
    again = await run_in_threadpool(outbox.retry, found, datetime.now(UTC))
    return Requeued(notification_id=again.notification_id, status=again.status)
