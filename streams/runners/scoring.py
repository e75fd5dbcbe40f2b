"""One scoring task: a chunk of events with what the worker needs to apply its projects' policies.

Workers have no store, so a task carries the policies of its projects and, under overload, the sample to
score; the worker runs the shared `Pipeline.evaluate` and hands back the rows encoded for the store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from telltale_server.schemas.rows import to_json_rows
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.policy import EvaluatorPolicy, PolicySource, sampled
from telltale_server.streams.pipeline import DEFAULT_POLICY, Pipeline, ProjectEvent

Policies = dict[str, dict[str, EvaluatorPolicy]]
"""Project -> evaluator name -> policy; an evaluator absent for a project uses the defaults."""


@dataclass(frozen=True)
class Sample:
    """Under overload: the evaluators outside `full` score only events sampled at `rate`, by event id."""

    rate: float
    full: frozenset[str] = frozenset()

    def narrow(self, names: Sequence[str], policies: Mapping[str, EvaluatorPolicy]) -> dict[str, EvaluatorPolicy]:
        """A project's policies with the sampled evaluators' rates capped at `rate` (buckets nest, so a
        policy's own sample and this one pick events as the smaller of the two would)."""
        narrowed = dict(policies)
        for name in names:
            if name not in self.full:
                policy = policies.get(name, DEFAULT_POLICY)
                narrowed[name] = replace(policy, sample_rate=min(policy.sample_rate, self.rate))
        return narrowed

    def skips(self, evaluator: Evaluator, policy: EvaluatorPolicy, item: ProjectEvent) -> bool:
        """Whether the evaluator would have scored the event but leaves it to the backfill."""
        event = item.event
        return (
            evaluator.name not in self.full
            and evaluator.applies_to(event)
            and policy.admits(event)
            and not sampled(event.event_id, self.rate)
        )


@dataclass(frozen=True)
class Task:
    """Events to score, their projects' policies, and the overload sample if one applies."""

    batch: list[ProjectEvent]
    policies: Policies = field(default_factory=dict)
    sample: Sample | None = None


@dataclass(frozen=True)
class Scored:
    """A task's evaluation rows as JSONEachRow, and the events left unscored per (project, evaluator)."""

    rows: bytes
    count: int
    skipped: dict[tuple[str, str], int] = field(default_factory=dict)


class FixedPolicies:
    """A PolicySource over the snapshot a task carries."""

    def __init__(self, policies: Policies) -> None:
        self._policies = policies

    def policies(self, project_id: str) -> Mapping[str, EvaluatorPolicy]:
        return self._policies.get(project_id, {})


class Scorer:
    """Evaluators built once (per worker process, or in-process), scoring one task at a time."""

    def __init__(self, evaluators: Sequence[Evaluator]) -> None:
        self.evaluators = list(evaluators)

    def score(self, task: Task) -> Scored:
        """The task's rows through the one Pipeline, under its policies narrowed by the sample."""
        policies = task.policies
        skipped: Counter[tuple[str, str]] = Counter()
        if task.sample is not None:
            names = [evaluator.name for evaluator in self.evaluators]
            projects = {item.project_id for item in task.batch}
            policies = {p: task.sample.narrow(names, task.policies.get(p, {})) for p in projects}
            for item in task.batch:
                project = task.policies.get(item.project_id, {})
                for evaluator in self.evaluators:
                    if task.sample.skips(evaluator, project.get(evaluator.name, DEFAULT_POLICY), item):
                        skipped[(item.project_id, evaluator.name)] += 1
        rows = Pipeline(self.evaluators, FixedPolicies(policies)).evaluate(task.batch)
        return Scored(to_json_rows(rows), len(rows), dict(skipped))


def snapshot(source: PolicySource | None, batch: Sequence[ProjectEvent]) -> Policies:
    """What a worker needs of the stored policies: those of the batch's projects."""
    if source is None:
        return {}
    return {p: dict(source.policies(p)) for p in {item.project_id for item in batch}}
