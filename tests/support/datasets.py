"""Hand-built traffic for dataset tests: events, feedback and evaluations written straight to the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import FeedbackEvent, InferenceEvent
from telltale_server.schemas.rows import evaluation_row, feedback_row, inference_row
from telltale_server.schemas.store import Store
from telltale_server.streams.sink import Sink
from tests.support.events import feedback, inference

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    """An ISO time `minutes` after T0."""
    return (T0 + timedelta(minutes=minutes)).isoformat()


@dataclass
class Traffic:
    """Writes one project's events as the pipeline would have stored them."""

    store: Store
    project: str

    def call(self, **fields: Any) -> InferenceEvent:
        event = InferenceEvent.model_validate(inference(**fields))
        Sink(self.store).inference([inference_row(self.project, event, datetime.now(UTC))])
        return event

    def feedback(self, event: InferenceEvent | None, **fields: Any) -> FeedbackEvent:
        """Feedback on the event, or (event None) on the `trace_id` given in `fields`."""
        body = feedback(str(event.event_id) if event else None, **fields)
        if event is None:
            del body["inference_id"]
        item = FeedbackEvent.model_validate(body)
        Sink(self.store).feedback([feedback_row(self.project, item, datetime.now(UTC))])
        return item

    def evaluation(
        self, event: InferenceEvent, evaluator: str, metric: str, value: float | None, label: str | None, **details: Any
    ) -> None:
        result = Evaluation(
            event_id=event.event_id,
            evaluator=evaluator,
            evaluator_version="1",
            metric=metric,
            value=value,
            label=label,
            details=details,
        )
        Sink(self.store).evaluations([evaluation_row(self.project, event, result, datetime.now(UTC))])
