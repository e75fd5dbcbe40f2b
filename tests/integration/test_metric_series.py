"""Metric series on the real embedded engine: buckets on the clock, empty buckets kept, the same numbers as a rule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from telltale_server.schemas.events import InferenceEvent
from telltale_server.schemas.rows import inference_row
from telltale_server.services.metrics.catalog import Filters, Window, compute
from telltale_server.services.metrics.series import metric_series, pick_step
from telltale_server.services.runtime import Runtime
from telltale_server.streams.sink import Sink

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def store(
    rt: Runtime, project: str, minute: float, status: str = "ok", model: str = "m1", latency: float = 100
) -> None:
    at = T0 + timedelta(minutes=minute)
    event = InferenceEvent(
        event_id=uuid.uuid4(), ts=at, model=model, input="q", output="a", status=status, latency_ms=latency
    )
    Sink(rt.store).inference([inference_row(project, event, at)])


def test_buckets_start_on_the_step_and_empty_ones_are_kept(runtime: Runtime, project: str) -> None:
    for minute, status in ((1, "ok"), (2, "error"), (25, "ok")):
        store(runtime, project, minute, status)
    start, end = T0 + timedelta(minutes=3), T0 + timedelta(minutes=30)
    volume = metric_series(runtime.store, ["volume.count"], project, start, end, 600, Filters())[0]
    assert volume.start == T0, "the first bucket starts on the step, before `from`"
    [line] = volume.lines
    assert [(p.at - T0).seconds // 60 for p in line.points] == [0, 10, 20]
    assert [(p.value, p.samples) for p in line.points] == [(2.0, 2), (0.0, 0), (1.0, 1)]
    errors = metric_series(runtime.store, ["error.rate"], project, start, end, 600, Filters())[0].lines[0].points
    assert [p.value for p in errors] == [0.5, None, 0.0]


def test_each_bucket_equals_the_metric_over_that_bucket(runtime: Runtime, project: str) -> None:
    for minute, latency in ((1, 100), (3, 300), (7, 700), (12, 50), (14, 950)):
        store(runtime, project, minute, latency=latency)
    series = metric_series(runtime.store, ["latency.p95"], project, T0, T0 + timedelta(minutes=20), 600, Filters())[0]
    for point in series.lines[0].points:
        window = Window(project, point.at + timedelta(seconds=600), 600, Filters(), ())
        [alone] = compute(runtime.store, "latency.p95", window)
        assert point.value == pytest.approx(alone.value) and point.samples == alone.samples


def test_grouped_and_filtered(runtime: Runtime, project: str) -> None:
    for minute, model in ((1, "a"), (2, "a"), (3, "b"), (15, "b")):
        store(runtime, project, minute, model=model)
    end = T0 + timedelta(minutes=20)
    grouped = metric_series(runtime.store, ["volume.count"], project, T0, end, 600, Filters(), ("model",))[0]
    assert {line.labels["model"]: [p.value for p in line.points] for line in grouped.lines} == {
        "a": [2.0, 0.0],
        "b": [1.0, 1.0],
    }
    only_b = metric_series(runtime.store, ["volume.count"], project, T0, end, 600, Filters(model=["b"]))[0]
    assert [p.value for p in only_b.lines[0].points] == [1.0, 1.0]


def test_no_traffic_is_one_line_of_zeros(runtime: Runtime, project: str) -> None:
    series = metric_series(runtime.store, ["volume.count"], project, T0, T0 + timedelta(hours=1), 900, Filters())[0]
    assert [p.value for p in series.lines[0].points] == [0.0] * 4


@pytest.mark.parametrize(("hours", "step"), [(1, 60), (6, 600), (24, 1800), (24 * 7, 3 * 3600), (24 * 90, 86400)])
def test_the_step_keeps_a_chart_near_sixty_points(hours: int, step: int) -> None:
    assert pick_step(T0, T0 + timedelta(hours=hours)) == step
