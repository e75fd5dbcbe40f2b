"""The threshold on an evaluator's score that would best have matched the reviewers: the point of the ROC curve
with the largest balanced accuracy (Youden's J), shown beside the evaluator's current balanced accuracy."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, Field
from sklearn.metrics import roc_curve

MIN_ITEMS = 5
"""Below this many agreed, scored items (or without both answers among them) no threshold is suggested."""


class Threshold(BaseModel):
    """Shown, never applied: changing an evaluator's threshold is a person's decision."""

    over: str = Field(description="What the threshold is over: `value`, or `details.<key>`.")
    positive_when: Literal["<=", ">="] = Field(description="The label applies when the score is on this side.")
    items: int = Field(description="Agreed, scored items it was computed from.")
    suggested: float | None = Field(description="Null when there is too little to go on (see `reason`).")
    balanced_accuracy: float | None = Field(description="At the suggested threshold.")
    precision: float | None = Field(description="At the suggested threshold.")
    recall: float | None = Field(description="At the suggested threshold.")
    current_balanced_accuracy: float | None = Field(description="Of the evaluator's labels as they are.")
    reason: str = ""


def _balanced(truth: np.ndarray, predicted: np.ndarray) -> float | None:
    if truth.all() or not truth.any():
        return None
    return float((predicted[truth].mean() + (~predicted[~truth]).mean()) / 2)


def suggest(
    over: str,
    truth: list[bool],
    predicted: list[bool],
    scores: list[float | None],
    positive_when: Literal["<=", ">="],
) -> Threshold:
    """The best threshold on the items that have a score; `positive_when` says which side is the label."""
    have = [i for i, score in enumerate(scores) if score is not None]
    y = np.array([truth[i] for i in have], dtype=bool)
    s = np.array([scores[i] for i in have], dtype=float)
    current = _balanced(np.array(truth, dtype=bool), np.array(predicted, dtype=bool))
    empty = Threshold(
        over=over,
        positive_when=positive_when,
        items=len(have),
        suggested=None,
        balanced_accuracy=None,
        precision=None,
        recall=None,
        current_balanced_accuracy=current,
    )
    if len(have) < MIN_ITEMS or y.all() or not y.any():
        reason = f"needs at least {MIN_ITEMS} agreed, scored items with both answers among them"
        return empty.model_copy(update={"reason": reason})
    signed = s if positive_when == ">=" else -s
    fpr, tpr, cuts = roc_curve(y, signed)
    finite = np.isfinite(cuts)
    best = int(np.argmax(np.where(finite, tpr - fpr, -np.inf)))
    cut = float(cuts[best])
    flagged = signed >= cut
    hits = int((flagged & y).sum())
    return empty.model_copy(
        update={
            "suggested": cut if positive_when == ">=" else -cut,
            "balanced_accuracy": _balanced(y, flagged),
            "precision": hits / int(flagged.sum()) if flagged.any() else None,
            "recall": hits / int(y.sum()),
        }
    )
