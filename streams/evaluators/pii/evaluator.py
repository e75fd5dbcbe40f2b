"""The safety.pii evaluator: which PII types appear in a call's output (a leak) and input, and where."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.pii.detector import PiiSpan, detect


class PiiEvaluator(Evaluator):
    """Flags PII per side; details keep types and character spans but never the values themselves."""

    name = "safety.pii"
    version = "1"
    cost = "regular expressions and checksums; libphonenumber on digit runs (~0.3 ms per 1,000 words)"

    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        """Metrics `output` and `input` (each when not empty): 1.0 with label `pii` if any was found, else 0.0."""
        results = []
        for event in batch:
            if event.output:
                results.append(self._side(event, "output", detect(event.output)))
            text = event.input_text()
            if text:
                results.append(self._side(event, "input", detect(text)))
        return results

    def _side(self, event: InferenceEvent, metric: str, spans: list[PiiSpan]) -> Evaluation:
        return self.result(event, metric, 1.0 if spans else 0.0, "pii" if spans else "clean", _details(spans))


def _details(spans: list[PiiSpan]) -> dict[str, Any]:
    if not spans:
        return {}
    return {
        "types": dict(Counter(span.type for span in spans)),
        "spans": [{"type": s.type, "start": s.start, "end": s.end, "score": s.score} for s in spans],
    }
