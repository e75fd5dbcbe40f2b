"""How far an evaluator's verdict matches the reviewers on this project's traffic: precision, recall and the
confusion matrix, per day of the reviewed calls, and the threshold that would have matched them best.

The reviewers' answer for an item is what they agreed on (items where two reviewers disagree are counted as
disputed and left out). The threshold is only suggested: nothing here changes an evaluator.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import orjson
from pydantic import BaseModel, Field
from sklearn.metrics import confusion_matrix

from telltale_server.schemas.store import Store
from telltale_server.services.review.agreement import kappa
from telltale_server.services.review.reviews import Review
from telltale_server.services.review.schema import Queue, VerdictQuestion
from telltale_server.services.review.threshold import Threshold, suggest


class Confusion(BaseModel):
    """Reviewers' answer as the truth, the evaluator's label as the prediction; positive = the question's label."""

    tp: int
    fp: int
    fn: int
    tn: int
    precision: float | None = Field(description="tp / (tp + fp): of what it flagged, the share reviewers agreed.")
    recall: float | None = Field(description="tp / (tp + fn): of what reviewers flagged, the share it caught.")


class DayAgreement(BaseModel):
    day: date = Field(description="The day (UTC) of the reviewed calls.")
    confusion: Confusion


class EvaluatorAgreement(BaseModel):
    question: str = Field(description="`evaluator.metric:label`.")
    evaluator: str
    metric: str
    label: str
    reviewed: int = Field(description="Items whose reviewers agreed on an answer.")
    disputed: int = Field(description="Items whose reviewers disagreed: left out.")
    unscored: int = Field(description="Agreed items the evaluator has no verdict on (left out).")
    confusion: Confusion
    kappa: float | None = Field(description="Cohen's kappa between the evaluator and the reviewers.")
    by_day: list[DayAgreement]
    threshold: Threshold


@dataclass(frozen=True)
class _Verdict:
    label: str
    score: float | None


def _confusion(truth: list[bool], predicted: list[bool]) -> Confusion:
    matrix = confusion_matrix(truth, predicted, labels=[False, True]) if truth else np.zeros((2, 2))
    tn, fp, fn, tp = (int(n) for n in matrix.ravel())
    return Confusion(
        tp=tp,
        fp=fp,
        fn=fn,
        tn=tn,
        precision=tp / (tp + fp) if tp + fp else None,
        recall=tp / (tp + fn) if tp + fn else None,
    )


def _truths(reviews: list[Review], key: str) -> tuple[dict[str, bool], int]:
    """Item -> the answer its reviewers agree on, and how many items they disagree on."""
    answers: dict[str, set[bool]] = defaultdict(set)
    for review in reviews:
        if key in review.verdicts:
            answers[review.event_id].add(review.verdicts[key])
    agreed = {item: next(iter(found)) for item, found in answers.items() if len(found) == 1}
    return agreed, len(answers) - len(agreed)


def _score(row: dict[str, Any], over: str) -> float | None:
    if over == "value":
        return row["value"]
    found = orjson.loads(row["details"] or "{}").get(over.removeprefix("details."))
    return float(found) if isinstance(found, int | float) and not isinstance(found, bool) else None


def _verdicts(store: Store, queue: Queue, question: VerdictQuestion) -> dict[str, _Verdict]:
    """The newest verdict of the question's evaluator and metric on each reviewed item."""
    rows = store.rows(
        "SELECT toString(event_id) AS item_id, argMax(label, created_at) AS label, "
        "argMax(value, created_at) AS value, argMax(details, created_at) AS details FROM evaluations FINAL "
        "WHERE project_id = {p:String} "
        "AND evaluator = {e:String} AND metric = {m:String} AND event_id IN (SELECT event_id FROM reviews "
        "WHERE project_id = {p:String} AND queue_id = {q:String}) GROUP BY event_id",
        {"p": queue.project_id, "q": queue.id, "e": question.evaluator, "m": question.metric},
    )
    return {row["item_id"]: _Verdict(row["label"], _score(row, question.score)) for row in rows}


def _days(store: Store, queue: Queue) -> dict[str, date]:
    rows = store.rows(
        "SELECT toString(event_id) AS item_id, toDate(event_ts) AS day FROM review_items FINAL "
        "WHERE project_id = {p:String} AND queue_id = {q:String} AND event_id IN (SELECT event_id FROM reviews "
        "WHERE project_id = {p:String} AND queue_id = {q:String})",
        {"p": queue.project_id, "q": queue.id},
    )
    return {row["item_id"]: row["day"] for row in rows}


def evaluator_agreement(store: Store, queue: Queue, reviews: list[Review]) -> list[EvaluatorAgreement]:
    """One report per verdict question of the queue."""
    days = _days(store, queue)
    return [_report(store, queue, question, reviews, days) for question in queue.review_schema.verdicts]


def _report(
    store: Store, queue: Queue, question: VerdictQuestion, reviews: list[Review], days: dict[str, date]
) -> EvaluatorAgreement:
    truths, disputed = _truths(reviews, question.key)
    verdicts = _verdicts(store, queue, question)
    items = sorted(item for item in truths if item in verdicts)
    truth = [truths[item] for item in items]
    predicted = [verdicts[item].label == question.label for item in items]
    per_day: dict[date, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        per_day[days[item]].append(index)
    scores = [verdicts[item].score for item in items]
    return EvaluatorAgreement(
        question=question.key,
        evaluator=question.evaluator,
        metric=question.metric,
        label=question.label,
        reviewed=len(truths),
        disputed=disputed,
        unscored=len(truths) - len(items),
        confusion=_confusion(truth, predicted),
        kappa=kappa(truth, predicted),
        by_day=[
            DayAgreement(day=day, confusion=_confusion([truth[i] for i in at], [predicted[i] for i in at]))
            for day, at in sorted(per_day.items())
        ],
        threshold=suggest(question.score, truth, predicted, scores, _direction(truth, predicted, scores)),
    )


def _direction(truth: list[bool], predicted: list[bool], scores: list[float | None]) -> Literal["<=", ">="]:
    """Whether the label goes with low or high scores: as the evaluator's own labels show it, else the reviewers'."""
    for classes in (predicted, truth):
        positive = [s for s, c in zip(scores, classes, strict=True) if c and s is not None]
        negative = [s for s, c in zip(scores, classes, strict=True) if not c and s is not None]
        if positive and negative:
            return "<=" if float(np.mean(positive)) < float(np.mean(negative)) else ">="
    return ">="
