"""An annotation queue's spec: which production traffic it takes in, and what its reviewers record."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from telltale_server.services.datasets.spec import Query
from telltale_server.streams.health import JobError

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_DETAIL = re.compile(r"^details\.[A-Za-z0-9_]{1,100}$")
Field_ = Literal["categories", "score", "text", "corrected_answer"]


class _Strict(BaseModel):
    """Unknown fields are refused, so a misspelt option never silently changes what a queue asks."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class VerdictQuestion(_Strict):
    """Reviewers say yes or no to an evaluator's label: "is this answer ungrounded?"; its evaluator is then
    measured against their answers."""

    evaluator: str = Field(description="An evaluator name, e.g. `groundedness`.")
    metric: str = Field(description="Its metric, e.g. `score` (groundedness) or `pii.output` (safety).")
    label: str = Field(description="The label the question is about, e.g. `ungrounded`: the positive class.")
    score: str = Field(
        default="value",
        description="What the suggested threshold is over: the evaluation's `value`, or a number in its details "
        "(`details.min_support`).",
    )
    question: str = Field(default="", max_length=500, description="Shown to reviewers; default from the label.")

    @field_validator("evaluator", "metric", "label")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError("names are 1-100 characters of letters, digits, '_', '.', '-'")
        return name

    @field_validator("score")
    @classmethod
    def _score(cls, score: str) -> str:
        if score != "value" and not _DETAIL.match(score):
            raise ValueError("`score` is `value` or `details.<key>`")
        return score

    @property
    def key(self) -> str:
        """`evaluator.metric:label`, the notation the event list's label filter uses."""
        return f"{self.evaluator}.{self.metric}:{self.label}"

    def text(self) -> str:
        return self.question or f"Is the answer {self.label} ({self.evaluator})?"


class ReviewSchema(_Strict):
    """What a review records: categories from a fixed set, a 1-5 score, free text, a corrected answer, and a
    yes/no answer to each verdict question (always required)."""

    categories: list[str] = Field(default_factory=list, max_length=30, description="The categories to choose from.")
    multiple: bool = Field(default=False, description="Whether a review may choose several categories.")
    score: bool = Field(default=False, description="Ask for a score from 1 (bad) to 5 (good).")
    text: bool = Field(default=True, description="Allow free text.")
    corrected_answer: bool = Field(default=False, description="Allow a corrected answer (becomes ground truth).")
    required: list[Field_] = Field(default_factory=list, description="Which of the above a review must fill.")
    verdicts: list[VerdictQuestion] = Field(default_factory=list, max_length=20)

    @field_validator("categories")
    @classmethod
    def _categories(cls, categories: list[str]) -> list[str]:
        for category in categories:
            if not _NAME.match(category):
                raise ValueError(f"category {category!r}: 1-100 characters of letters, digits, '_', '.', '-'")
        if len(set(categories)) != len(categories):
            raise ValueError("categories must be distinct")
        return categories

    @model_validator(mode="after")
    def _consistent(self) -> ReviewSchema:
        for name in self.required:
            if not (getattr(self, name) if name != "categories" else self.categories):
                raise ValueError(f"`required` names {name!r}, which this schema does not ask for")
        keys = [question.key for question in self.verdicts]
        if len(set(keys)) != len(keys):
            raise ValueError("each verdict question (evaluator.metric:label) may appear once")
        if not (self.categories or self.score or self.text or self.corrected_answer or self.verdicts):
            raise ValueError("the schema asks for nothing: give categories, score, text, corrected_answer or verdicts")
        return self


class QueueSpec(_Strict):
    """What an admin writes to create a queue. The filter is a dataset query, in the same language."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    filter: Query = Field(default_factory=Query, description="Which events qualify (the dataset query).")
    sample_rate: float = Field(default=1.0, gt=0, le=1, description="The share of qualifying events taken in.")
    seed: int = Field(default=0, ge=0, le=2**63 - 1, description="Same seed, same events sampled.")
    max_items: int | None = Field(default=None, ge=1, le=1_000_000, description="Stop taking items in past this.")
    reviews_required: int = Field(default=1, ge=1, le=2, description="Reviewers per item (2 measures agreement).")
    lease_s: int = Field(default=900, ge=30, le=86_400, description="How long a taken item stays reserved.")
    review_schema: ReviewSchema = Field(alias="schema")
    dataset_id: str | None = Field(
        default=None, description="A dataset whose draft receives each reviewed item with its ground truth."
    )


class Queue(QueueSpec):
    """A stored queue: the spec, its identity and, from the fill job, why it last failed."""

    id: str
    project_id: str
    created_at: datetime
    updated_at: datetime
    last_error: JobError | None = None

    def question(self, key: str) -> VerdictQuestion:
        return next(q for q in self.review_schema.verdicts if q.key == key)
