"""Character n-gram TF-IDF features, computed exactly as scikit-learn's TfidfVectorizer(analyzer="char_wb") does."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

_SPACES = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, low: int = 2, high: int = 5) -> list[str]:
    """N-grams inside word boundaries, each word padded with one space on both sides."""
    grams = []
    for word in _SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            offset = 0
            grams.append(padded[offset : offset + n])
            while offset + n < len(padded):
                offset += 1
                grams.append(padded[offset : offset + n])
            if offset == 0:
                break
    return grams


class CharNgramScorer:
    """Logistic regression over sublinear, l2-normalised char n-gram TF-IDF vectors."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, coef: np.ndarray, intercept: float) -> None:
        self.vocabulary = vocabulary
        self.idf = idf
        self.coef = coef
        self.intercept = intercept

    def score(self, text: str) -> float:
        """P(injection) for one text."""
        counts = Counter(g for g in char_wb_ngrams(text) if g in self.vocabulary)
        if not counts:
            return 1 / (1 + math.exp(-self.intercept))
        index = np.fromiter((self.vocabulary[g] for g in counts), dtype=np.int64, count=len(counts))
        weights = np.fromiter((1 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
        weights *= self.idf[index]
        weights /= np.linalg.norm(weights)
        logit = float(weights @ self.coef[index]) + self.intercept
        return 1 / (1 + math.exp(-logit))
