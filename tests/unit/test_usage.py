"""The usage evaluator and the pipeline's isolation of evaluator failures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.prices import PriceTable
from telltale_server.streams.evaluators.usage import UsageEvaluator
from telltale_server.streams.pipeline import Pipeline, ProjectEvent, run_isolated
from tests.support.events import inference


def event(**fields: object) -> InferenceEvent:
    return InferenceEvent.model_validate(inference(**fields))


def by_metric(evaluations: list[Evaluation]) -> dict[str, Evaluation]:
    return {e.metric: e for e in evaluations}


def test_longest_prefix_prices_dated_and_namespaced_models() -> None:
    prices = PriceTable.load()
    assert prices.find("gpt-4o-mini-2024-07-18")[0] == "gpt-4o-mini"  # type: ignore[index]
    assert prices.find("openai/gpt-4o-2024-08-06")[0] == "gpt-4o"  # type: ignore[index]
    assert prices.find("my-finetune") is None


def test_cost_is_priced_from_tokens() -> None:
    result = by_metric(
        UsageEvaluator(PriceTable.load()).evaluate(
            [event(model="gpt-4o", usage={"input_tokens": 1000, "output_tokens": 500}, latency_ms=812.5)]
        )
    )
    assert result["cost_usd"].value == (1000 * 2.5 + 500 * 10.0) / 1_000_000
    assert result["cost_usd"].label == "priced"
    assert result["total_tokens"].value == 1500
    assert result["latency_ms"].value == 812.5
    assert (result["error"].value, result["error"].label) == (0.0, "ok")


def test_reported_cost_wins_and_unknown_models_get_no_cost() -> None:
    usage = UsageEvaluator(PriceTable.load())
    reported = by_metric(usage.evaluate([event(usage={"input_tokens": 10, "cost": 0.5})]))
    assert (reported["cost_usd"].value, reported["cost_usd"].label) == (0.5, "reported")
    unknown = by_metric(usage.evaluate([event(model="in-house-7b", usage={"input_tokens": 10})]))
    assert "cost_usd" not in unknown


def test_errors_are_scored_with_their_message() -> None:
    result = by_metric(UsageEvaluator(PriceTable.load()).evaluate([event(status="error", error="429 rate limit")]))
    assert (result["error"].value, result["error"].label) == (1.0, "error")
    assert result["error"].details == {"error": "429 rate limit"}


def test_users_extend_the_price_table(tmp_path: Path) -> None:
    extra = tmp_path / "prices.json"
    extra.write_text(json.dumps({"in-house-7b": {"input": 1.0, "output": 2.0}, "gpt-4o": {"input": 1, "output": 1}}))
    prices = PriceTable.load(extra)
    assert prices.find("in-house-7b-v2")[1].cost(1_000_000, 1_000_000) == 3.0  # type: ignore[index]
    assert prices.find("gpt-4o")[1].input == 1.0  # type: ignore[index]


class Fragile(Evaluator):
    """Raises on any event whose output mentions 'boom'."""

    name = "fragile"
    version = "0"

    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        if any("boom" in (e.output or "") for e in batch):
            raise RuntimeError("boom")
        return [
            Evaluation(event_id=e.event_id, evaluator=self.name, evaluator_version="0", metric="m", value=1.0)
            for e in batch
        ]


def test_one_bad_event_gets_an_error_row_and_the_rest_are_scored() -> None:
    events = [event(), event(output="boom"), event()]
    results = run_isolated(Fragile(), events)
    assert [(r.event_id, r.label) for r in results] == [
        (e.event_id, None if e.output != "boom" else "error") for e in events
    ]
    assert results[1].details["error"] == "RuntimeError: boom"


def test_pipeline_rows_carry_project_and_dimensions() -> None:
    e = event(route="support/answer", environment="production", usage={"input_tokens": 3})
    rows = Pipeline([UsageEvaluator(PriceTable.load())]).evaluate([ProjectEvent("acme", e)])
    assert {row["metric"] for row in rows} == {"error", "total_tokens", "cost_usd"}
    assert all(row["project_id"] == "acme" and row["route"] == "support/answer" for row in rows)
