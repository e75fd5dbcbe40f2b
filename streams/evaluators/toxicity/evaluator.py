"""The safety.toxicity evaluator: hate and harassment in a call's output (and the user's input)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.embeddings.minilm import MiniLMEmbedder
from telltale_server.streams.evaluators.toxicity.model import ALERTING, HEADS, ToxicityModel

MAX_WORDS = 48
"""Outputs are judged on their first ~64 tokens: four times cheaper than 128 and as accurate on the dev set."""
THRESHOLD = 0.5
"""Every head's intercept is shifted at training so that 0.5 is its calibrated threshold."""


class ToxicityEvaluator(Evaluator):
    """Three trained heads on each side's MiniLM embedding: hate toward a group, harassment/insult, profanity.

    Metrics `output` and `input` (user turns), each when not empty. The value is the higher of the hate and
    harassment probabilities, label `toxic` at 0.5 or above; `details.category` names the strongest head that
    fired (hate | harassment | profanity), so profanity alone is named without the alert label. The input
    side embeds the same text as the injection evaluator, so the shared embedder computes it once.
    """

    name = "safety.toxicity"
    version = "2"
    cost = "one MiniLM embedding of <= 64 tokens of the output; the input's embedding is shared with injection"

    def __init__(self, embedder: MiniLMEmbedder, model: ToxicityModel) -> None:
        self.embedder = embedder
        self.model = model

    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        """Up to two evaluations per event: `output` and `input`."""
        sides = []
        for event in batch:
            if event.output:
                sides.append((event, "output", " ".join(event.output.split()[:MAX_WORDS])))
            user = event.user_text()
            if user:
                sides.append((event, "input", user))
        if not sides:
            return []
        probabilities = self.model.probabilities(self.embedder.embed([text for _, _, text in sides]))
        return [
            self._evaluation(event, metric, row) for (event, metric, _), row in zip(sides, probabilities, strict=True)
        ]

    def _evaluation(self, event: InferenceEvent, metric: str, row: np.ndarray) -> Evaluation:
        scores = dict(zip(HEADS, (float(p) for p in row), strict=True))
        value = max(scores[head] for head in ALERTING)
        details: dict[str, Any] = {"threshold": THRESHOLD, "scores": {h: round(s, 4) for h, s in scores.items()}}
        fired = [head for head in HEADS if scores[head] >= THRESHOLD]
        if fired:
            details["category"] = max(fired, key=lambda head: (head in ALERTING, scores[head]))
        label = "toxic" if value >= THRESHOLD else "ok"
        return self.result(event, metric, round(value, 4), label, details)
