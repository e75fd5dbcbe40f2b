"""Disparity on the real embedded engine: a rate per segment (detected language, an attribute) against the rest,
by the catalog metric's own definition, and `disparity.<metric>` in the catalog as a rule reads it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import FeedbackEvent, InferenceEvent
from telltale_server.schemas.rows import evaluation_row, feedback_row, inference_row
from telltale_server.services.metrics.catalog import CATALOG, Filters, Window, compute
from telltale_server.services.metrics.disparity import settings
from telltale_server.services.metrics.disparity.compare import split
from telltale_server.services.runtime import Runtime
from telltale_server.streams.evaluators.language import LanguageEvaluator
from telltale_server.streams.sink import Sink
from tests.support.disparity import ENGLISH, SPANISH

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
END = T0 + timedelta(hours=1)
UNGROUNDED = CATALOG["groundedness.ungrounded_rate"].measured


def _store(rt: Runtime, project: str, calls: list[tuple[str, str, bool, bool]]) -> None:
    """(question, plan, ungrounded, thumbs down) per call, spread over the hour; languages detected for real."""
    events, evaluations, feedback = [], [], []
    for i, (question, plan, ungrounded, down) in enumerate(calls):
        at = T0 + timedelta(seconds=3600 * i / len(calls))
        event = InferenceEvent(
            event_id=uuid.uuid4(),
            ts=at,
            model="m",
            route="r",
            input=[{"role": "user", "content": question}],
            output="a",
            contexts=["c"],
            attributes={"plan": plan} if plan else {},
            tags=["even"] if i % 2 == 0 else [],
        )
        events.append(event)
        label = "ungrounded" if ungrounded else "grounded"
        evaluations.append(
            (
                event,
                Evaluation(
                    event_id=event.event_id,
                    evaluator="groundedness",
                    evaluator_version="2",
                    metric="score",
                    value=0.2 if ungrounded else 0.9,
                    label=label,
                ),
            )
        )
        if down:
            feedback.append(
                FeedbackEvent(
                    event_id=uuid.uuid4(),
                    inference_id=event.event_id,
                    ts=at + timedelta(seconds=5),
                    kind="thumbs",
                    value="down",
                )
            )
    evaluations += [(e, ev) for e in events for ev in LanguageEvaluator().evaluate([e])]
    sink = Sink(rt.store)
    sink.inference([inference_row(project, e, T0) for e in events])
    sink.evaluations([evaluation_row(project, e, ev, T0) for e, ev in evaluations])
    sink.feedback([feedback_row(project, f, T0) for f in feedback])


def _window(project: str) -> Window:
    return Window(project, END, 3600, Filters(), ())


@pytest.fixture
def traffic(runtime: Runtime, project: str) -> str:
    """40 Spanish calls, half ungrounded; 160 English, 1 in 10 ungrounded; both plans on each; some thumbs down."""
    spanish = [(SPANISH, ("free", "free", "pro", "pro")[i % 4], i % 2 == 0, i % 4 == 0) for i in range(40)]
    english = [(ENGLISH, ("free", "free", "pro", "pro")[i % 4], i % 10 == 0, i % 20 == 0) for i in range(160)]
    _store(runtime, project, spanish + english)
    return project


def test_each_language_against_the_rest(runtime: Runtime, traffic: str) -> None:
    found = split(runtime.store, UNGROUNDED, _window(traffic), "language")
    assert (found.count, found.samples) == (36, 200)
    by_language = {s.value: s.comparison for s in found.segments}
    assert set(by_language) == {"es", "en"}
    es = by_language["es"]
    assert (es.count, es.samples, es.rest_count, es.rest_samples) == (20, 40, 16, 160)
    assert es.rate == 0.5 and es.rest_rate == 0.1 and es.ratio == pytest.approx(5.0)
    assert es.difference == pytest.approx(0.4) and es.verdict == "higher"
    assert es.rate_ci is not None and es.rate_ci.low < 0.5 < es.rate_ci.high
    assert by_language["en"].verdict == "lower" and by_language["en"].ratio == pytest.approx(0.2)


def test_the_overall_rate_is_the_catalog_metric(runtime: Runtime, traffic: str) -> None:
    [overall] = compute(runtime.store, "groundedness.ungrounded_rate", _window(traffic))
    found = split(runtime.store, UNGROUNDED, _window(traffic), "language")
    assert overall.value == pytest.approx(found.count / found.samples) and overall.samples == found.samples


def test_no_verdict_below_the_minimum_sample_size(runtime: Runtime, traffic: str) -> None:
    found = split(runtime.store, UNGROUNDED, _window(traffic), "language", min_samples=41)
    es = next(s.comparison for s in found.segments if s.value == "es")
    assert es.verdict == "insufficient_data" and es.ratio == pytest.approx(5.0), "numbers are kept, the verdict is not"


def test_an_attribute_splits_by_its_values(runtime: Runtime, traffic: str) -> None:
    found = split(runtime.store, UNGROUNDED, _window(traffic), "plan")
    by_plan = {s.value: s.comparison for s in found.segments}
    assert {plan: (c.count, c.samples) for plan, c in by_plan.items()} == {"free": (18, 100), "pro": (18, 100)}
    assert by_plan["free"].verdict == "similar" and by_plan["free"].ratio == pytest.approx(1.0)


def test_feedback_is_split_by_its_call(runtime: Runtime, traffic: str) -> None:
    negative = CATALOG["feedback.negative_rate"].measured
    assert negative is not None
    found = split(runtime.store, negative, _window(traffic), "language")
    es = next(s.comparison for s in found.segments if s.value == "es")
    assert (es.count, es.samples, es.rest_count, es.rest_samples) == (10, 10, 8, 8)


def test_filters_narrow_both_sides(runtime: Runtime, traffic: str) -> None:
    window = Window(traffic, END, 3600, Filters(model=["other"]), ())
    assert split(runtime.store, UNGROUNDED, window, "language").segments == []


def test_the_catalog_metric_is_the_ratio_per_segment_of_every_watched_dimension(runtime: Runtime, traffic: str) -> None:
    name = "disparity.groundedness.ungrounded_rate"
    assert {s.labels["segment"] for s in compute(runtime.store, name, _window(traffic))} == {
        "language=es",
        "language=en",
    }
    settings.save(runtime.store, traffic, settings.DisparitySettings(attributes=["plan"]))
    samples = {s.labels["segment"]: s for s in compute(runtime.store, name, _window(traffic))}
    assert set(samples) == {"language=es", "language=en", "plan=free", "plan=pro"}
    assert samples["language=es"].value == pytest.approx(5.0) and samples["language=es"].samples == 40
    assert samples["plan=pro"].value == pytest.approx(1.0)


def test_tags_and_the_segment_both_hold(runtime: Runtime, traffic: str) -> None:
    """Every other call is tagged: the Spanish ones that failed, and English ones of which 16 of 80 failed."""
    window = Window(traffic, END, 3600, Filters(tags=["even"]), ())
    [overall] = compute(runtime.store, "groundedness.ungrounded_rate", window)
    assert (overall.value, overall.samples) == (36 / 100, 100)
    es = next(s.comparison for s in split(runtime.store, UNGROUNDED, window, "language").segments if s.value == "es")
    assert (es.count, es.samples, es.rest_count, es.rest_samples) == (20, 20, 16, 80)
