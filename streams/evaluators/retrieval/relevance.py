"""How relevant a passage is to a question: meaning (WordLlama cosine) and the question's words found in it."""

from __future__ import annotations

import numpy as np

from telltale_server.streams.evaluators.groundedness.text import content_tokens, tokens

LEXICAL_WEIGHT = 0.5
"""Weight of the lexical evidence in the relevance score; the rest is the embedding similarity.
Chosen with the threshold on BoolQ folds (bench/retrieval.py)."""
STEM = 5
"""Words match on their first five letters, so 'refunds' finds 'refund' and 'refundable'."""


def lexical(question: str, passage_words: set[str]) -> float:
    """Share of the question's content words (by stem) found in the passage; 0 for a question without any."""
    asked = {word[:STEM] for word in content_tokens(question)}
    return len(asked & passage_words) / len(asked) if asked else 0.0


def stems(text: str) -> set[str]:
    """The text's word stems, computed once per passage."""
    return {word[:STEM] for word in tokens(text)}


def relevance(semantic: np.ndarray, lexical_share: np.ndarray, weight: float = LEXICAL_WEIGHT) -> np.ndarray:
    """The blended score in [0, 1]: negative cosines count as no similarity."""
    return (1 - weight) * np.clip(semantic, 0.0, 1.0) + weight * lexical_share
