"""The derived Evaluation contract: one metric that one evaluator version computed for one event."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

ERROR_LABEL = "error"
"""The label of an evaluation whose evaluator failed on that event; `details.error` says why."""


class Evaluation(BaseModel):
    """A score with its explanation; (event, evaluator, version, metric) identifies it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    evaluator: str
    evaluator_version: str
    metric: str
    value: float | None = Field(default=None, description="The score; none when the evaluator failed.")
    label: str | None = Field(default=None, description="A verdict such as grounded, toxic or error.")
    details: dict[str, Any] = Field(default_factory=dict, description="Why: evidence for the verdict.")

    @classmethod
    def failure(cls, event_id: UUID, evaluator: str, version: str, error: BaseException) -> Evaluation:
        """The evaluation that stands for an evaluator raising on one event."""
        return cls(
            event_id=event_id,
            evaluator=evaluator,
            evaluator_version=version,
            metric=ERROR_LABEL,
            label=ERROR_LABEL,
            details={"error": f"{type(error).__name__}: {error}"},
        )
