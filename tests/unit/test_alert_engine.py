"""The engine's transitions, fed samples directly with an injected clock."""

from __future__ import annotations

from telltale_server.services.alerts import engine
from telltale_server.services.alerts.state import AlertState, fingerprint
from telltale_server.services.metrics.catalog import Sample
from tests.support.alerts import at, rule


def run(r, observations: list[tuple[float, float | None, int]], labels: dict[str, str] | None = None):
    """Feed (seconds, value, samples) in order; returns the state names seen after each."""
    states: dict[str, AlertState] = {}
    seen = []
    for seconds, value, count in observations:
        for _, after in engine.evaluate(r, [Sample(labels or {}, value, count)], states, at(seconds)):
            states[after.fingerprint] = after
        current = states.get(fingerprint(r.project_id, r.id, labels or {}))
        seen.append(current.state if current else None)
    return seen, states


def test_threshold_crossing_fires_then_resolves() -> None:
    seen, _ = run(rule(), [(0, 0.1, 10), (10, 0.9, 10), (20, 0.8, 10), (30, 0.2, 10), (40, 0.1, 10)])
    assert seen == [None, "firing", "firing", "resolved", "resolved"]


def test_for_holds_pending_until_the_condition_has_lasted() -> None:
    r = rule(**{"for": "60s"})
    seen, states = run(r, [(0, 0.9, 10), (30, 0.9, 10), (59, 0.9, 10), (60, 0.9, 10)])
    assert seen == ["pending", "pending", "pending", "firing"]
    [state] = states.values()
    assert (state.active_since, state.fired_at) == (at(0), at(60))


def test_pending_that_recovers_goes_back_to_inactive_without_firing() -> None:
    seen, _ = run(rule(**{"for": "1m"}), [(0, 0.9, 10), (30, 0.1, 10), (90, 0.9, 10)])
    assert seen == ["pending", "inactive", "pending"]


def test_below_min_samples_is_no_verdict() -> None:
    r = rule(min_samples=5)
    seen, _ = run(r, [(0, 1.0, 4), (10, 1.0, 5), (20, 0.0, 4), (30, None, 0), (40, 0.0, 5)])
    assert seen == [None, "firing", "firing", "firing", "resolved"]


def test_a_new_crossing_after_resolve_is_a_new_incident() -> None:
    _, states = run(rule(), [(0, 0.9, 10), (10, 0.1, 10), (20, 0.9, 10)])
    [state] = states.values()
    assert (state.state, state.active_since, state.resolved_at) == ("firing", at(20), None)


def test_fingerprint_is_stable_and_label_order_free() -> None:
    one = fingerprint("p1", "r1", {"model": "a", "route": "x"})
    assert one == fingerprint("p1", "r1", {"route": "x", "model": "a"})
    assert one != fingerprint("p1", "r1", {"model": "b", "route": "x"})
    assert one != fingerprint("p2", "r1", {"model": "a", "route": "x"})


def test_group_by_gives_one_alert_per_group() -> None:
    r = rule(group_by=["model"])
    states: dict[str, AlertState] = {}
    samples = [Sample({"model": "a"}, 0.9, 10), Sample({"model": "b"}, 0.1, 10)]
    for _, after in engine.evaluate(r, samples, states, at(0)):
        states[after.fingerprint] = after
    assert [(s.labels, s.state) for s in states.values()] == [({"model": "a"}, "firing")]


def test_retiring_a_rule_resolves_its_firing_alerts() -> None:
    _, states = run(rule(), [(0, 0.9, 10)])
    [state] = states.values()
    retired = engine.retire(state, at(5))
    assert retired is not None and (retired.state, retired.resolved_at) == ("resolved", at(5))
