"""The rule engine's transitions, as pure functions: samples and the previous state in, the next state out.

inactive -> pending (condition holds) -> firing (held for `for`) -> resolved (value clear for
`keep_firing_for`); pending falls back to inactive. Like Prometheus, with hysteresis: a firing alert's value
is clear only past `resolve_threshold`, and a value that comes back before `keep_firing_for` has passed
keeps it firing, so a metric hovering around its threshold does not flap. Too few samples, or no value, is
no verdict: the state stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from telltale_server.services.alerts.rules import Rule
from telltale_server.services.alerts.state import AlertState, fingerprint
from telltale_server.services.metrics.catalog import Sample


def step(rule: Rule, previous: AlertState | None, sample: Sample, now: datetime) -> AlertState | None:
    """The group's next state after one observation; None while it never left inactive."""
    if sample.value is None or sample.samples < rule.min_samples:
        return previous
    if previous is not None and previous.state == "firing":
        return _still_firing(rule, previous.observed(sample.value, sample.samples, now), now)
    name = previous.state if previous else "inactive"
    if not rule.breached(sample.value):
        if previous is None:
            return None
        observed = previous.observed(sample.value, sample.samples, now)
        if name == "pending":
            return replace(observed, state="inactive")
        return observed
    if name in ("inactive", "resolved") or previous is None:
        started = AlertState(
            project_id=rule.project_id,
            rule_id=rule.id,
            labels=sample.labels,
            state="pending",
            value=sample.value,
            samples=sample.samples,
            active_since=now,
            fired_at=None,
            resolved_at=None,
            evaluated_at=now,
        )
        return _fire_if_due(rule, started, now)
    return _fire_if_due(rule, previous.observed(sample.value, sample.samples, now), now)


def _still_firing(rule: Rule, firing: AlertState, now: datetime) -> AlertState:
    """A firing alert resolves once its value has been clear for `keep_firing_for`; a relapse restarts that wait."""
    assert firing.value is not None
    if not rule.clear(firing.value):
        return replace(firing, cleared_since=None)
    since = firing.cleared_since or now
    if now - since >= timedelta(seconds=rule.keep_firing_for):
        return replace(firing, state="resolved", resolved_at=now, cleared_since=None)
    return replace(firing, cleared_since=since)


def _fire_if_due(rule: Rule, pending: AlertState, now: datetime) -> AlertState:
    """Pending long enough (`for`; zero fires at once) becomes firing."""
    assert pending.active_since is not None
    if now - pending.active_since >= timedelta(seconds=rule.for_):
        return replace(pending, state="firing", fired_at=now)
    return pending


def evaluate(
    rule: Rule, samples: Iterable[Sample], states: Mapping[str, AlertState], now: datetime
) -> list[tuple[AlertState | None, AlertState]]:
    """(before, after) for every group the samples moved; groups without a (usable) sample keep their state."""
    changes = []
    for sample in samples:
        before = states.get(fingerprint(rule.project_id, rule.id, sample.labels))
        after = step(rule, before, sample, now)
        if after is not None and after is not before:
            changes.append((before, after))
    return changes


def retire(state: AlertState, now: datetime) -> AlertState | None:
    """The state once its rule is gone or disabled: a firing alert resolves, a pending one drops."""
    if state.state == "firing":
        return replace(state, state="resolved", resolved_at=now, evaluated_at=now, cleared_since=None)
    if state.state == "pending":
        return replace(state, state="inactive", evaluated_at=now)
    return None
