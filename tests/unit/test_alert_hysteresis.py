"""Hysteresis around a threshold (Prometheus' keep_firing_for, and a resolve threshold): no flapping."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from pydantic import ValidationError

from telltale_server.schemas.store import Store
from telltale_server.services.alerts import engine
from telltale_server.services.alerts.rules import RuleSpec
from telltale_server.services.alerts.state import AlertState, StateStore
from telltale_server.services.metrics.catalog import Sample
from telltale_server.services.runtime import Runtime
from tests.support.alerts import at, rule
from tests.unit.test_alert_engine import run


def transitions(r, values: list[float], every_s: float = 5.0) -> list[tuple[str, str]]:
    """(from, to) state changes while the metric takes `values`, one evaluation every `every_s`."""
    states: dict[str, AlertState] = {}
    changes = []
    for i, value in enumerate(values):
        for before, after in engine.evaluate(r, [Sample({}, value, 10)], states, at(i * every_s)):
            if (before.state if before else "inactive") != after.state:
                changes.append((before.state if before else "inactive", after.state))
            states[after.fingerprint] = after
    return changes


HOVERING = [0.5 + 0.03 * math.sin(i * 1.3) for i in range(120)]
"""Ten minutes of a metric wobbling 0.47-0.53 around its 0.5 threshold, evaluated every 5 s."""


def test_without_hysteresis_a_value_hovering_at_the_threshold_flaps() -> None:
    changes = transitions(rule(), HOVERING)
    assert changes.count(("firing", "resolved")) > 10


def test_a_resolve_threshold_keeps_a_hovering_alert_firing_once() -> None:
    changes = transitions(rule(resolve_threshold=0.4), HOVERING)
    assert changes == [("inactive", "firing")]


def test_keep_firing_for_rides_out_dips_shorter_than_it() -> None:
    changes = transitions(rule(keep_firing_for="1m"), HOVERING)
    assert changes == [("inactive", "firing")]


def test_a_value_past_the_resolve_threshold_resolves_and_between_the_two_stays_firing() -> None:
    r = rule(resolve_threshold=0.3)
    seen, states = run(r, [(0, 0.9, 10), (10, 0.45, 10), (20, 0.31, 10), (30, 0.6, 10), (40, 0.3, 10)])
    assert seen == ["firing", "firing", "firing", "firing", "resolved"]
    [state] = states.values()
    assert (state.fired_at, state.resolved_at) == (at(0), at(40))


def test_below_comparators_resolve_above_their_resolve_threshold() -> None:
    r = rule(comparator="<", threshold=0.2, resolve_threshold=0.3)
    seen, _ = run(r, [(0, 0.1, 10), (10, 0.25, 10), (20, 0.3, 10)])
    assert seen == ["firing", "firing", "resolved"]


def test_keep_firing_for_counts_from_the_first_clear_value_and_a_relapse_restarts_it() -> None:
    r = rule(keep_firing_for="60s")
    observations = [(0, 0.9, 10), (10, 0.1, 10), (40, 0.9, 10), (50, 0.1, 10), (100, 0.1, 10), (110, 0.1, 10)]
    seen, states = run(r, observations)
    assert seen == ["firing", "firing", "firing", "firing", "firing", "resolved"]
    [state] = states.values()
    assert (state.active_since, state.fired_at, state.resolved_at) == (at(0), at(0), at(110))


def test_no_verdict_while_clearing_keeps_the_clock() -> None:
    r = rule(keep_firing_for="60s", min_samples=5)
    seen, _ = run(r, [(0, 0.9, 10), (10, 0.1, 10), (40, 0.9, 1), (70, 0.1, 10)])
    assert seen == ["firing", "firing", "firing", "resolved"]


def test_both_together_and_for_still_delays_the_first_fire() -> None:
    r = rule(**{"for": "20s"}, keep_firing_for="30s", resolve_threshold=0.4)
    seen, _ = run(r, [(0, 0.6, 10), (10, 0.45, 10), (20, 0.6, 10), (40, 0.6, 10), (50, 0.35, 10), (70, 0.45, 10)])
    assert seen == ["pending", "inactive", "pending", "firing", "firing", "firing"]
    seen, _ = run(r, [(0, 0.6, 10), (20, 0.6, 10), (30, 0.35, 10), (60, 0.39, 10)])
    assert seen == ["pending", "firing", "firing", "resolved"]


@pytest.mark.parametrize(
    ("comparator", "resolve"),
    [(">", 0.6), (">=", 0.51), ("<", 0.4), ("<=", 0.49), ("==", 0.5), ("!=", 0.4)],
)
def test_a_resolve_threshold_on_the_wrong_side_is_refused(comparator: str, resolve: float) -> None:
    with pytest.raises(ValidationError, match="resolve_threshold"):
        RuleSpec.model_validate(
            {
                "name": "x",
                "metric": "error.rate",
                "comparator": comparator,
                "threshold": 0.5,
                "resolve_threshold": resolve,
            }
        )


def test_durations_read_and_write_the_prometheus_way() -> None:
    spec = RuleSpec.model_validate(
        {"name": "x", "metric": "error.rate", "comparator": ">", "threshold": 0.5, "keep_firing_for": "10m"}
    )
    assert spec.keep_firing_for == 600
    assert spec.model_dump(by_alias=True, mode="json")["keep_firing_for"] == "10m"


def test_the_clearing_clock_survives_a_restart(runtime: Runtime, project: str) -> None:
    r = rule(project_id=project, keep_firing_for="60s")
    _, states = run(r, [(0, 0.9, 10), (10, 0.1, 10)])
    [state] = states.values()
    assert state.cleared_since == at(10)
    store: Store = runtime.store
    StateStore(store).save([(None, state)])
    [loaded] = StateStore(store).load(project).values()
    assert loaded.cleared_since == at(10)
    resumed = engine.step(r, loaded, Sample({}, 0.1, 10), at(70))
    assert resumed is not None and resumed.state == "resolved"
    assert engine.step(r, replace(loaded, cleared_since=None), Sample({}, 0.1, 10), at(70)).state == "firing"
