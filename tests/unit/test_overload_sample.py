"""The overload sample: which events each evaluator leaves to the backfill, by event id alone."""

from __future__ import annotations

import uuid

from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.policy import EvaluatorPolicy, sampled
from telltale_server.streams.evaluators.prices import PriceTable
from telltale_server.streams.evaluators.usage import UsageEvaluator
from telltale_server.streams.pipeline import ProjectEvent
from telltale_server.streams.runners.scoring import Sample, Scorer, Task


def _events(count: int, route: str = "support/answer") -> list[ProjectEvent]:
    return [
        ProjectEvent(
            "acme",
            InferenceEvent.model_validate(
                {
                    "event_id": str(uuid.UUID(int=i * 7919 + 1)),
                    "ts": "2026-01-01T00:00:00Z",
                    "model": "m",
                    "input": "q",
                    "output": "a",
                    "route": route,
                }
            ),
        )
        for i in range(count)
    ]


def test_a_policy_sample_and_the_overload_sample_nest_into_the_smaller() -> None:
    narrowed = Sample(0.3).narrow(["usage", "groundedness"], {"usage": EvaluatorPolicy(sample_rate=0.5)})
    assert narrowed["usage"].sample_rate == 0.3 and narrowed["groundedness"].sample_rate == 0.3
    assert Sample(0.3).narrow(["usage"], {"usage": EvaluatorPolicy(sample_rate=0.1)})["usage"].sample_rate == 0.1
    assert Sample(0.3, frozenset({"usage"})).narrow(["usage"], {}) == {}


def test_the_sample_is_chosen_by_event_id_and_the_skips_are_counted() -> None:
    batch = _events(400)
    scorer = Scorer([UsageEvaluator(PriceTable.load())])
    first = scorer.score(Task(batch, {}, Sample(0.25)))
    again = scorer.score(Task(list(reversed(batch)), {}, Sample(0.25)))
    picked = sum(sampled(item.event.event_id, 0.25) for item in batch)
    assert 0 < picked < len(batch)
    assert first.skipped == again.skipped == {("acme", "usage"): len(batch) - picked}
    assert first.count == again.count == picked  # one `error` row per scored event (no usage or latency sent)


def test_an_evaluator_scored_in_full_skips_nothing_and_a_policy_off_is_not_a_skip() -> None:
    batch = _events(100)
    scorer = Scorer([UsageEvaluator(PriceTable.load())])
    assert scorer.score(Task(batch, {}, Sample(0.1, frozenset({"usage"})))).skipped == {}
    off = {"acme": {"usage": EvaluatorPolicy(enabled=False)}}
    assert scorer.score(Task(batch, off, Sample(0.1))).skipped == {}
