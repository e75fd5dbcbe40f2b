"""The safety.prompt_injection evaluator: direct injection in what the user typed, indirect in the passages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.embeddings.minilm import MiniLMEmbedder
from telltale_server.streams.evaluators.injection import patterns
from telltale_server.streams.evaluators.injection.model import InjectionModel


class InjectionEvaluator(Evaluator):
    """Scores the user's words (not the app's own system prompt) and each retrieved passage.

    Metric `input`: the user turns (or a plain-string input), scored by the three-part model; label
    `injection` above 99.85% of benign user messages held out of training. Metric `contexts`: passages
    screened for instructions aimed at the model (`patterns.py`), the first offending one named.
    """

    name = "safety.prompt_injection"
    version = "2"
    cost = "one MiniLM embedding of the user's input, shared with toxicity (~10-20 ms on 2 cores); passages: regexes"

    def __init__(self, embedder: MiniLMEmbedder, model: InjectionModel) -> None:
        self.embedder = embedder
        self.model = model

    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        """Up to two evaluations per event: `input` and `contexts`."""
        inputs = [(position, text) for position, event in enumerate(batch) if (text := event.user_text())]
        results = []
        if inputs:
            texts = [text for _, text in inputs]
            scores = self.model.scores(texts, self.embedder.embed(texts))
            results += [
                self._evaluation(batch[p], "input", float(s), -1) for (p, _), s in zip(inputs, scores, strict=True)
            ]
        results += [self._passages(event) for event in batch if event.contexts]
        return results

    def _evaluation(self, event: InferenceEvent, metric: str, score: float, index: int) -> Evaluation:
        threshold = self.model.threshold
        details: dict[str, Any] = {"threshold": round(threshold, 4)}
        return self.result(event, metric, round(score, 4), "injection" if score >= threshold else "ok", details)

    def _passages(self, event: InferenceEvent) -> Evaluation:
        """1.0 and the first matching passage when any passage carries instructions aimed at the model."""
        for index, context in enumerate(event.contexts):
            matched = patterns.find(context.text)
            if matched:
                details = {"passage": {"index": index, "id": context.id}, "patterns": matched}
                return self.result(event, "contexts", 1.0, "injection", details)
        return self.result(event, "contexts", 0.0, "ok")


def scores_for(evaluator: InjectionEvaluator, texts: list[str]) -> np.ndarray:
    """Injection scores of bare texts, for benchmarks and the CLI."""
    return evaluator.model.scores(texts, evaluator.embedder.embed(texts))
