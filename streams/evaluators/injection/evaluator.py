"""The safety.prompt_injection evaluator: direct injection in what the user typed, indirect in the passages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from schemas.evaluation import Evaluation
from schemas.events import InferenceEvent
from streams.evaluators.base import Evaluator
from streams.evaluators.embeddings.minilm import MiniLMEmbedder
from streams.evaluators.injection.model import InjectionModel


class InjectionEvaluator(Evaluator):
    """Scores the user's words (not the app's own system prompt) and each retrieved passage.

    Metric `input`: the user turns (or a plain-string input), scored by the full three-part model.
    Metric `contexts`: the most suspicious passage, named in details, screened by the char n-gram part
    alone so that three long passages do not cost three more embeddings. Label `injection` at the
    model's threshold.
    """

    name = "safety.prompt_injection"
    version = "1"
    cost = "one MiniLM embedding of the user's input (~10-20 ms on 2 cores); passages: char n-grams (<1 ms)"

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
        for event in batch:
            if event.contexts:
                scores = self.model.screen([context.text for context in event.contexts])
                worst = int(np.argmax(scores))
                results.append(self._evaluation(event, "contexts", float(scores[worst]), worst))
        return results

    def _evaluation(self, event: InferenceEvent, metric: str, score: float, index: int) -> Evaluation:
        details: dict[str, Any] = {"threshold": round(self.model.threshold, 4)}
        if metric == "contexts":
            details["passage"] = {"index": index, "id": event.contexts[index].id}
        return self.result(
            event, metric, round(score, 4), "injection" if score >= self.model.threshold else "ok", details
        )


def scores_for(evaluator: InjectionEvaluator, texts: list[str]) -> np.ndarray:
    """Injection scores of bare texts, for benchmarks and the CLI."""
    return evaluator.model.scores(texts, evaluator.embedder.embed(texts))
