"""The language evaluator: which language the user wrote in, so reads can segment the traffic by it (disparity)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator

MAX_CHARS = 2000
"""Enough text to tell a language; a longer turn is read from its start."""
UNDETERMINED = "und"
"""ISO 639's code for a turn too short or mixed to tell (the identifier's probability below MIN_PROBABILITY)."""
MIN_PROBABILITY = 0.1
"""Ten times the chance level of its ~97 languages: short questions ("Can I get a refund?", 0.42) keep their
language, a greeting with no telling n-grams ("hi", "ok": 0.014) is undetermined."""


class LanguageEvaluator(Evaluator):
    """Metric `user`: the language of the user's last turn (py3langid's naive Bayes model, shipped in its wheel),
    label its ISO 639-1 code (`en`, `es`, ...) or `und`, value the identifier's normalised probability."""

    name = "language"
    version = "1"
    metric = "user"
    requires = ("input",)
    cost = "py3langid on the last user turn (byte n-grams, numpy): ~30 µs"

    def __init__(self) -> None:
        self._identifier = identifier()

    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        """One evaluation per event whose last user turn has text."""
        results = []
        for event in batch:
            text = last_turn(event)[:MAX_CHARS]
            if not text.strip():
                continue
            code, probability = self._identifier.classify(text)
            results.append(self.result(event, self.metric, float(probability), str(code)))
        return results


def last_turn(event: InferenceEvent) -> str:
    """What the user wrote last: the last user message of a chat, or a plain-string input."""
    if isinstance(event.input, str):
        return event.input
    return next((message.text() for message in reversed(event.input) if message.role == "user"), "")


@cache
def identifier() -> LanguageIdentifier:
    """The model shipped in py3langid's wheel, loaded once per process (~3 s: it is xz-compressed)."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True, min_confidence=MIN_PROBABILITY)
