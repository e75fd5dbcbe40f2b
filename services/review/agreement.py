"""Agreement between reviewers on the items reviewed twice: percent agreement and Cohen's kappa per field."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field
from sklearn.metrics import cohen_kappa_score

from telltale_server.services.review.reviews import Review
from telltale_server.services.review.schema import Queue


class FieldAgreement(BaseModel):
    field: str = Field(description="`category:<name>` (chosen or not), `score`, or a verdict question's key.")
    items: int = Field(description="Items both reviewers answered this for.")
    percent_agreement: float | None
    kappa: float | None = Field(description="Cohen's kappa (quadratic weights for the score); null when undefined.")


class ReviewerAgreement(BaseModel):
    items_reviewed_twice: int
    fields: list[FieldAgreement]


def kappa(
    first: Sequence[object], second: Sequence[object], weights: Literal["quadratic"] | None = None
) -> float | None:
    """Cohen's kappa of two raters, or None when it is undefined (no items, or both raters used one value)."""
    if not first or len(set(first) | set(second)) < 2:
        return None
    return float(cohen_kappa_score(list(first), list(second), weights=weights))


def pairs(reviews: list[Review]) -> list[tuple[Review, Review]]:
    """The first two reviews of each item reviewed at least twice."""
    by_item: dict[str, list[Review]] = defaultdict(list)
    for review in reviews:
        by_item[review.event_id].append(review)
    return [(found[0], found[1]) for found in by_item.values() if len(found) >= 2]


def _field(
    name: str, answers: Sequence[tuple[object, object]], weights: Literal["quadratic"] | None = None
) -> FieldAgreement:
    first, second = [a for a, _ in answers], [b for _, b in answers]
    agreed = sum(a == b for a, b in answers)
    return FieldAgreement(
        field=name,
        items=len(answers),
        percent_agreement=agreed / len(answers) if answers else None,
        kappa=kappa(first, second, weights),
    )


def reviewer_agreement(queue: Queue, reviews: list[Review]) -> ReviewerAgreement:
    """Per category, the score and each verdict question, over the items two reviewers answered."""
    both = pairs(reviews)
    schema = queue.review_schema
    fields = [
        _field(f"category:{category}", [(category in a.categories, category in b.categories) for a, b in both])
        for category in schema.categories
    ]
    if schema.score:
        scored = [(a.score, b.score) for a, b in both if a.score is not None and b.score is not None]
        fields.append(_field("score", scored, "quadratic"))
    for question in schema.verdicts:
        key = question.key
        fields.append(
            _field(
                key, [(a.verdicts[key], b.verdicts[key]) for a, b in both if key in a.verdicts and key in b.verdicts]
            )
        )
    return ReviewerAgreement(items_reviewed_twice=len(both), fields=fields)
