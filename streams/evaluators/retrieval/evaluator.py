"""The retrieval evaluator: relevance of each retrieved passage to the user's question, empty and duplicate
retrievals, and the retriever's own scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import RETRIEVAL_ATTRIBUTE, RETRIEVAL_JOINED, InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.groundedness.evaluator import Embedder
from telltale_server.streams.evaluators.groundedness.text import tokens
from telltale_server.streams.evaluators.retrieval.relevance import lexical, relevance, stems

RELEVANCE_THRESHOLD = 0.34
"""A passage is relevant when its relevance reaches this. Picked with the lexical weight on all of BoolQ by
balanced accuracy, random and same-article negatives weighing the same (bench/retrieval.py); its five folds picked
0.33-0.41, and PubMedQA, never tuned on, keeps 0.93 balanced accuracy at it."""
DUPLICATE_OVERLAP = 0.9
"""A passage repeats an earlier one when their words (as sets) overlap this much: the same chunk indexed twice,
or with a changed header or whitespace."""


class RetrievalEvaluator(Evaluator):
    """Judges what the retriever handed the model, before the model answered.

    Metric `relevant_share`: share of passages relevant to the user's question (label `relevant` when at least
    one is, `irrelevant_context` when none is, `no_context` when the retrieval came back empty); `duplicates`:
    share of passages repeating an earlier one; `retriever_score`: the mean of the scores the app sent. Which
    passages the answer drew on (utilisation) is the groundedness evaluator's `utilisation`: it already matches
    every claim to its passage.
    """

    name = "retrieval"
    version = "1"
    cost = "WordLlama static embeddings of the question and passages and word sets: ~1 ms per RAG event"

    def __init__(self, embedder: Embedder, threshold: float = RELEVANCE_THRESHOLD) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def applies_to(self, event: InferenceEvent) -> bool:
        """Calls with passages, and calls a retrieval fed that came back empty."""
        return bool(event.contexts) or event.attributes.get(RETRIEVAL_ATTRIBUTE) == RETRIEVAL_JOINED

    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        """Up to three evaluations per call; its passages and question are embedded in one batch with the others'."""
        results = [
            self.result(event, "relevant_share", None, "no_context", {"passages": 0})
            for event in batch
            if not event.contexts and self.applies_to(event)
        ]
        judged = [event for event in batch if event.contexts]
        asked = [e.user_text() for e in judged if e.user_text()]
        texts = list(dict.fromkeys(asked + [c.text for e in judged if e.user_text() for c in e.contexts if c.text]))
        vectors = dict(zip(texts, self.embedder.embed(texts), strict=True)) if texts else {}
        for event in judged:
            duplicates = _duplicates([c.text for c in event.contexts])
            question = event.user_text()
            if question:
                asked_vector = vectors[question]
                empty = np.zeros_like(asked_vector)
                passages = np.stack([vectors[c.text] if c.text else empty for c in event.contexts])
                results.append(self._relevance(event, question, asked_vector, passages, duplicates))
            results.append(self._duplicates(event, duplicates))
            scores = [c.score for c in event.contexts if c.score is not None]
            if scores:
                mean = round(sum(scores) / len(scores), 4)
                results.append(self.result(event, "retriever_score", mean, None, {"scored": len(scores)}))
        return results

    def _relevance(
        self, event: InferenceEvent, question: str, asked: np.ndarray, passages: np.ndarray, duplicates: list[int]
    ) -> Evaluation:
        semantic = passages @ asked
        words = np.array([lexical(question, stems(c.text)) for c in event.contexts])
        scores = relevance(semantic, words)
        relevant = scores >= self.threshold
        details: dict[str, Any] = {
            "threshold": self.threshold,
            "passages": [
                {
                    "index": i,
                    "id": context.id,
                    "relevance": round(float(scores[i]), 4),
                    "semantic": round(float(semantic[i]), 4),
                    "lexical": round(float(words[i]), 4),
                    "relevant": bool(relevant[i]),
                    "retriever_score": context.score,
                    "duplicate_of": duplicates[i] if duplicates[i] != i else None,
                }
                for i, context in enumerate(event.contexts)
            ],
        }
        label = "relevant" if relevant.any() else "irrelevant_context"
        return self.result(event, "relevant_share", round(float(relevant.mean()), 4), label, details)

    def _duplicates(self, event: InferenceEvent, duplicates: list[int]) -> Evaluation:
        repeated = [i for i, first in enumerate(duplicates) if first != i]
        label = "duplicates" if repeated else "distinct"
        details = {"repeated": [{"index": i, "duplicate_of": duplicates[i]} for i in repeated]}
        return self.result(event, "duplicates", round(len(repeated) / len(duplicates), 4), label, details)


def _duplicates(texts: list[str]) -> list[int]:
    """For each passage, the index of the first passage it repeats (itself when it repeats none)."""
    words = [set(tokens(text)) for text in texts]
    first = []
    for j, mine in enumerate(words):
        earlier = [i for i in range(j) if words[i] == mine or _jaccard(words[i], mine) >= DUPLICATE_OVERLAP]
        first.append(earlier[0] if earlier else j)
    return first


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0
