"""What a rule would have done: its metric over past buckets, each fed to the engine's own `step` in turn."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store
from telltale_server.services.alerts import engine
from telltale_server.services.alerts.rules import Rule
from telltale_server.services.alerts.state import AlertState
from telltale_server.services.metrics.catalog import Sample
from telltale_server.services.metrics.series import STEPS, Series, metric_series

BUCKETS = 288
"""At most about this many evaluations over the span (5-minute buckets over a day)."""


class Transition(BaseModel):
    """One state change the rule would have made, at the end of the bucket that caused it."""

    at: datetime
    labels: dict[str, str]
    from_state: str
    to_state: str
    value: float | None


class RulePreview(BaseModel):
    series: Series = Field(description="The rule's metric per bucket (and per group), as the console charts it.")
    step: int = Field(description="Seconds per bucket: each bucket is one evaluation, at its end, over the bucket.")
    transitions: list[Transition] = Field(description="Oldest first.")
    fired: int = Field(description="How many times an alert would have started firing.")


def step_for(rule: Rule, span_s: float) -> int:
    """The shortest chart step at least the rule's window, and long enough to draw the span in ~BUCKETS buckets."""
    wanted = max(rule.window, span_s / BUCKETS)
    return next((step for step in STEPS if step >= wanted), STEPS[-1])


def preview(store: Store, rule: Rule, end: datetime, span_s: float) -> RulePreview:
    """Replay the span bucket by bucket through the engine, per group; the last, partial bucket is not judged."""
    step = step_for(rule, span_s)
    start = end - timedelta(seconds=span_s)
    [series] = metric_series(
        store, [rule.metric], rule.project_id, start, end, step, rule.filters, tuple(rule.group_by)
    )
    transitions: list[Transition] = []
    for line in series.lines:
        state: AlertState | None = None
        for point in line.points:
            at = point.at + timedelta(seconds=step)
            if at > end:
                break
            after = engine.step(rule, state, Sample(line.labels, point.value, point.samples), at)
            before = state.state if state else "inactive"
            if after is not None and after.state != before:
                transitions.append(Transition(at=at, labels=line.labels, from_state=before, to_state=after.state,
                                              value=after.value))  # fmt: skip
            state = after
    transitions.sort(key=lambda t: t.at)
    fired = sum(1 for t in transitions if t.to_state == "firing")
    return RulePreview(series=series, step=step, transitions=transitions, fired=fired)
