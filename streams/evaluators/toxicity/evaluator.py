"""The safety.toxicity evaluator: hate and harassment in a call's output (and the user's input)."""

from __future__ import annotations

from collections.abc import Sequence

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.embeddings.minilm import MiniLMEmbedder
from telltale_server.streams.evaluators.toxicity.direction import Direction

MAX_WORDS = 48
"""Texts are judged on their first ~64 tokens: four times cheaper than 128 and as accurate on the dev set."""


class ToxicityEvaluator(Evaluator):
    """Projects each side's MiniLM embedding on the hateful-minus-neutral anchor direction.

    Metrics `output` and `input` (user turns), each when not empty: the projection as value, label
    `toxic` above the threshold. It knows hate and harassment toward groups best; it is not a
    profanity filter and does not separate sexual or violent content into categories.
    """

    name = "safety.toxicity"
    version = "1"
    cost = "one MiniLM embedding of <= 64 tokens per side (~10 ms on 2 cores)"

    def __init__(self, embedder: MiniLMEmbedder, direction: Direction) -> None:
        self.embedder = embedder
        self.direction = direction

    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        """Up to two evaluations per event: `output` and `input`."""
        sides = []
        for event in batch:
            if event.output:
                sides.append((event, "output", event.output))
            user = event.user_text()
            if user:
                sides.append((event, "input", user))
        if not sides:
            return []
        vectors = self.embedder.embed([" ".join(text.split()[:MAX_WORDS]) for _, _, text in sides])
        scores = vectors @ self.direction.vector
        return [
            self.result(
                event,
                metric,
                round(float(score), 4),
                "toxic" if score >= self.direction.threshold else "ok",
                {"threshold": round(self.direction.threshold, 4)},
            )
            for (event, metric, _), score in zip(sides, scores, strict=True)
        ]
