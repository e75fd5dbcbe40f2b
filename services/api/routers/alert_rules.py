"""/v1/alert-rules: create, read, replace, delete, preview and test alert rules. Channel secrets are write-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.concurrency import run_in_threadpool

from telltale_server.services.alerts.destinations import RefusedDestinationError, check_url
from telltale_server.services.alerts.loop import JOB
from telltale_server.services.alerts.preview import RulePreview, preview
from telltale_server.services.alerts.probe import ProbeResult, probe
from telltale_server.services.alerts.rules import Rule, RuleSpec, RuleStore, unsaved
from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import invalid, responses
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.runtime import Runtime
from telltale_server.streams.health import HealthLog

router = APIRouter(prefix="/v1/alert-rules", tags=["alerts"], responses=responses(401, 403))
Reader = Annotated[ApiKey, Depends(require("read"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
Rt = Annotated[Runtime, Depends(runtime)]


def _check_channels(spec: RuleSpec, rt: Runtime) -> None:
    """Refuse channel URLs that point inward (loopback, private, link-local) unless the allow-list admits them."""
    for index, channel in enumerate(spec.channels):
        try:
            check_url(channel.target, rt.settings.alerts_allowed_networks)
        except (RefusedDestinationError, ValueError) as error:
            raise invalid(("body", "channels", index, "url"), f"{channel.type}: {error}") from None


@router.get("", response_model=list[Rule])
async def list_rules(key: Reader, rt: Rt) -> list[Rule]:
    """The project's rules (secrets shown as `**********`), each with the engine's last error on it."""
    rules = await run_in_threadpool(RuleStore(rt.store).of_project, key.project_id)
    errors = await run_in_threadpool(HealthLog(rt.store, JOB).errors, key.project_id)
    return [rule.model_copy(update={"last_error": errors.get(rule.id)}) for rule in rules]


@router.post("", response_model=Rule, status_code=201)
async def create_rule(spec: RuleSpec, key: Admin, rt: Rt) -> Rule:
    _check_channels(spec, rt)
    return await run_in_threadpool(RuleStore(rt.store).save, key.project_id, spec)


@router.post("/preview", response_model=RulePreview)
async def preview_rule(
    spec: RuleSpec,
    key: Reader,
    rt: Rt,
    hours: Annotated[int, Query(ge=1, le=168, description="How far back to replay the rule.")] = 24,
) -> RulePreview:
    """The rule's metric over the last `hours` and when it would have fired, by the engine's own transitions;
    nothing is stored or sent."""
    rule = unsaved(spec, key.project_id)
    return await run_in_threadpool(preview, rt.store, rule, datetime.now(UTC), hours * 3600.0)


@router.post("/test", response_model=list[ProbeResult])
async def test_unsaved_rule(spec: RuleSpec, key: Admin, rt: Rt) -> list[ProbeResult]:
    """Send a made-up firing notification, signed like a real one, to each channel of a rule not saved yet."""
    _check_channels(spec, rt)
    rule = unsaved(spec, key.project_id)
    return await probe(rule, rt.settings.alerts_allowed_networks, rt.settings.alerts_delivery_timeout_s)


@router.get("/{rule_id}", response_model=Rule, responses=responses(404))
async def get_rule(rule_id: str, key: Reader, rt: Rt) -> Rule:
    rule = await run_in_threadpool(RuleStore(rt.store).get, key.project_id, rule_id)
    if rule is None:
        raise HTTPException(404, f"no alert rule {rule_id} in this project")
    errors = await run_in_threadpool(HealthLog(rt.store, JOB).errors, key.project_id)
    return rule.model_copy(update={"last_error": errors.get(rule.id)})


@router.put("/{rule_id}", response_model=Rule, responses=responses(404))
async def replace_rule(rule_id: str, spec: RuleSpec, key: Admin, rt: Rt) -> Rule:
    """Replace the whole rule, channels with their secrets included (they are never read back)."""
    _check_channels(spec, rt)
    try:
        return await run_in_threadpool(RuleStore(rt.store).save, key.project_id, spec, rule_id)
    except KeyError:
        raise HTTPException(404, f"no alert rule {rule_id} in this project") from None


@router.delete("/{rule_id}", status_code=204, responses=responses(404))
async def delete_rule(rule_id: str, key: Admin, rt: Rt) -> Response:
    """Delete the rule; its firing alerts resolve (and say so) on the next pass."""
    if not await run_in_threadpool(RuleStore(rt.store).delete, key.project_id, rule_id):
        raise HTTPException(404, f"no alert rule {rule_id} in this project")
    return Response(status_code=204)


@router.post("/{rule_id}/test", response_model=list[ProbeResult], responses=responses(404))
async def test_rule(rule_id: str, key: Admin, rt: Rt) -> list[ProbeResult]:
    """Send a made-up firing notification to each of the rule's channels now; nothing is stored."""
    rule = await get_rule(rule_id, key, rt)
    return await probe(rule, rt.settings.alerts_allowed_networks, rt.settings.alerts_delivery_timeout_s)
