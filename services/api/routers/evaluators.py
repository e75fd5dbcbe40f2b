"""GET /v1/evaluators and PUT /v1/evaluators/{name}: what scores the project's traffic, and how much of it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import responses
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.runtime import Runtime
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.policy import EvaluatorPolicy

router = APIRouter(prefix="/v1", tags=["evaluators"], responses=responses(401, 403))
Rt = Annotated[Runtime, Depends(runtime)]


class PolicyBody(BaseModel):
    """A project's settings for one evaluator; empty lists mean every route / every model."""

    enabled: bool = True
    sample_rate: float = Field(default=1.0, ge=0.0, le=1.0, description="Share of events judged, by event id.")
    routes: list[str] = Field(default_factory=list, max_length=256)
    models: list[str] = Field(default_factory=list, max_length=256)


class EvaluatorInfo(BaseModel):
    name: str
    version: str
    requires: list[str] = Field(description="Event fields that must be present for a score, e.g. contexts.")
    cost: str
    policy: PolicyBody


@router.get("/evaluators", response_model=list[EvaluatorInfo])
async def list_evaluators(key: Annotated[ApiKey, Depends(require("read"))], rt: Rt) -> list[EvaluatorInfo]:
    """The evaluators this deployment runs, with the project's policy for each."""
    policies = await run_in_threadpool(rt.policies.policies, key.project_id)
    return [
        _info(evaluator.name, evaluator, policies.get(evaluator.name, EvaluatorPolicy())) for evaluator in rt.evaluators
    ]


@router.put("/evaluators/{name}", response_model=EvaluatorInfo, responses=responses(404))
async def set_policy(
    name: str, body: PolicyBody, key: Annotated[ApiKey, Depends(require("admin"))], rt: Rt
) -> EvaluatorInfo:
    """Turn an evaluator on or off for the project, sample it, or limit it to some routes or models."""
    evaluator = next((e for e in rt.evaluators if e.name == name), None)
    if evaluator is None:
        raise HTTPException(404, f"no evaluator {name!r}; known: {[e.name for e in rt.evaluators]}")
    policy = EvaluatorPolicy(body.enabled, body.sample_rate, frozenset(body.routes), frozenset(body.models))
    await run_in_threadpool(rt.policies.save, key.project_id, name, policy)
    return _info(name, evaluator, policy)


def _info(name: str, evaluator: type[Evaluator], policy: EvaluatorPolicy) -> EvaluatorInfo:
    return EvaluatorInfo(
        name=name,
        version=evaluator.version,
        requires=list(evaluator.requires),
        cost=evaluator.cost,
        policy=PolicyBody(
            enabled=policy.enabled,
            sample_rate=policy.sample_rate,
            routes=sorted(policy.routes),
            models=sorted(policy.models),
        ),
    )
