"""Reading the judge's answer: strict JSON asked for, but fences, prose around it and numeric strings tolerated."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

SCALE = (1.0, 5.0)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


class UnparseableVerdict(ValueError):
    """The judge answered, but not with a score for every quality it was asked about."""


@dataclass(frozen=True)
class Verdict:
    """One quality's score on the 1-5 scale and the judge's reason."""

    score: float
    reason: str

    def label(self) -> str:
        """good >= 4, poor <= 2, fair in between."""
        return "good" if self.score >= 4 else "poor" if self.score <= 2 else "fair"


def parse(answer: str, metrics: tuple[str, ...]) -> dict[str, Verdict]:
    """A verdict per requested metric, or UnparseableVerdict naming what was wrong."""
    found = _object(answer)
    keys = {str(key).strip().lower(): value for key, value in found.items()}
    verdicts = {}
    for metric in metrics:
        if metric not in keys:
            raise UnparseableVerdict(f"no {metric!r} in the judge's answer: {_snippet(answer)}")
        verdicts[metric] = _verdict(metric, keys[metric])
    return verdicts


def _object(answer: str) -> dict[str, Any]:
    """The JSON object in the answer: the whole text, without code fences, or its outermost {...}."""
    text = _FENCE.sub("", answer.strip())
    candidates = [text]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise UnparseableVerdict(f"the judge's answer is not a JSON object: {_snippet(answer)}")


def _verdict(metric: str, value: Any) -> Verdict:
    """`{"score": 4, "reason": "..."}`, or a bare score."""
    raw: Any
    raw, reason = (value.get("score"), value.get("reason", "")) if isinstance(value, dict) else (value, "")
    try:
        score = float(raw)
    except (TypeError, ValueError):
        raise UnparseableVerdict(f"{metric} score {raw!r} is not a number") from None
    if isinstance(raw, bool) or not SCALE[0] <= score <= SCALE[1]:
        raise UnparseableVerdict(f"{metric} score {raw!r} is outside 1-5")
    return Verdict(score=score, reason=str(reason)[:1000])


def _snippet(answer: str) -> str:
    return repr(answer[:200])
