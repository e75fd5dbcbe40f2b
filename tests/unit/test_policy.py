"""Per-project evaluator policy: filters and deterministic sampling."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.policy import EvaluatorPolicy, sampled
from telltale_server.streams.evaluators.prices import PriceTable
from telltale_server.streams.evaluators.usage import UsageEvaluator
from telltale_server.streams.pipeline import Pipeline, ProjectEvent
from tests.support.events import inference


def test_sampling_is_deterministic_and_close_to_the_rate() -> None:
    ids = [uuid.uuid4() for _ in range(20_000)]
    picked = [i for i in ids if sampled(i, 0.1)]
    assert 0.08 < len(picked) / len(ids) < 0.12
    assert picked == [i for i in ids if sampled(i, 0.1)]
    assert all(sampled(i, 1.0) for i in ids[:100]) and not any(sampled(i, 0.0) for i in ids[:100])


def test_route_and_model_filters() -> None:
    policy = EvaluatorPolicy(routes=frozenset({"support/answer"}), models=frozenset({"gpt-4o"}))
    ok = InferenceEvent.model_validate(inference(route="support/answer", model="gpt-4o"))
    other_route = InferenceEvent.model_validate(inference(route="chat", model="gpt-4o"))
    assert policy.admits(ok) and not policy.admits(other_route)
    assert not EvaluatorPolicy(enabled=False).admits(ok)


class Fixed:
    def __init__(self, policies: Mapping[str, EvaluatorPolicy]) -> None:
        self._policies = policies

    def policies(self, project_id: str) -> Mapping[str, EvaluatorPolicy]:
        return self._policies if project_id == "quiet" else {}


def test_pipeline_applies_each_projects_policy() -> None:
    pipeline = Pipeline([UsageEvaluator(PriceTable.load())], Fixed({"usage": EvaluatorPolicy(enabled=False)}))
    event = InferenceEvent.model_validate(inference())
    rows = pipeline.evaluate([ProjectEvent("quiet", event), ProjectEvent("loud", event)])
    assert {row["project_id"] for row in rows} == {"loud"}
