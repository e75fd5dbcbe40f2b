"""The evaluator contract every scorer follows, whichever runner drives it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent


class Evaluator(ABC):
    """Scores a batch of events; an event it cannot judge gets no evaluation rather than a made-up one."""

    name: ClassVar[str]
    version: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ()
    """Event fields that must be non-empty for this evaluator to judge an event (e.g. `contexts`)."""
    cost: ClassVar[str] = ""
    """What one event costs to score, in words (e.g. 'arithmetic only', '~5 ms CPU')."""

    def applies_to(self, event: InferenceEvent) -> bool:
        """Whether the event carries what this evaluator needs."""
        return all(getattr(event, field) for field in self.requires)

    @abstractmethod
    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        """Evaluations for the events of the batch it can judge."""

    def result(
        self,
        event: InferenceEvent,
        metric: str,
        value: float | None,
        label: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> Evaluation:
        """One evaluation of `event` by this evaluator's name and version (built unvalidated: every field is ours)."""
        return Evaluation.model_construct(
            event_id=event.event_id,
            evaluator=self.name,
            evaluator_version=self.version,
            metric=metric,
            value=value,
            label=label,
            details=details or {},
        )
