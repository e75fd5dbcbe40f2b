"""The evaluate step both runners call: events in, evaluation rows out, one bad event never sinks a batch."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.schemas.rows import evaluation_row
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.policy import EvaluatorPolicy, PolicySource

log = logging.getLogger(__name__)
DEFAULT_POLICY = EvaluatorPolicy()


@dataclass(frozen=True)
class ProjectEvent:
    """An inference event with the project its API key (or trusted envelope) belongs to."""

    project_id: str
    event: InferenceEvent


class Pipeline:
    """Runs every evaluator over a batch and shapes the results as rows of the evaluations table."""

    def __init__(self, evaluators: Sequence[Evaluator], policies: PolicySource | None = None) -> None:
        self.evaluators = list(evaluators)
        self.policies = policies

    def evaluate(self, batch: Sequence[ProjectEvent]) -> list[dict[str, Any]]:
        """Evaluation rows for the batch, grouped per project so event ids never collide across projects."""
        now = datetime.now(UTC)
        by_project: dict[str, list[InferenceEvent]] = defaultdict(list)
        for item in batch:
            by_project[item.project_id].append(item.event)
        rows: list[dict[str, Any]] = []
        for project_id, events in by_project.items():
            by_id = {event.event_id: event for event in events}
            policies = self.policies.policies(project_id) if self.policies else {}
            for evaluator in self.evaluators:
                policy = policies.get(evaluator.name, DEFAULT_POLICY)
                eligible = [e for e in by_id.values() if evaluator.applies_to(e) and policy.admits(e)]
                for evaluation in run_isolated(evaluator, eligible):
                    rows.append(evaluation_row(project_id, by_id[evaluation.event_id], evaluation, now))
        return rows


def run_isolated(evaluator: Evaluator, events: Sequence[InferenceEvent]) -> list[Evaluation]:
    """Evaluate the batch; if it raises, retry event by event so only the failing events get error rows."""
    if not events:
        return []
    try:
        return evaluator.evaluate(events)
    except Exception:
        log.warning("evaluator %s failed on a batch of %d; isolating", evaluator.name, len(events), exc_info=True)
    results: list[Evaluation] = []
    for event in events:
        try:
            results.extend(evaluator.evaluate([event]))
        except Exception as error:
            results.append(Evaluation.failure(event.event_id, evaluator.name, evaluator.version, error))
    return results
