"""Embedding drift of a text column: texts embedded by a model shipped in a package, compared by Evidently.

Evidently's classifier method with bootstrap is used: a classifier learns to tell the two sides apart and
drift is declared when its held-out ROC AUC beats the 95th percentile of random guesses on the same split,
so on identical distributions it errs about 5% of the time whatever the sample size. (Plain `distance()`
and `mmd()` flagged identical distributions, and `mmd()` needs an (n+m)^2 matrix.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from telltale_server.streams.evaluators.embeddings.wordllama import shared as wordllama

METHOD = "model (classifier ROC AUC vs 95th pct of random, bootstrap)"


@dataclass(frozen=True)
class EmbeddingDrift:
    score: float
    drifted: bool
    method: str = METHOD


def texts_sample(texts: pd.Series, limit: int, seed: int) -> list[str]:
    """Non-empty texts, at most `limit`, drawn with a fixed seed."""
    kept = texts[texts.fillna("").str.strip() != ""]
    if len(kept) > limit:
        kept = kept.sample(n=limit, random_state=seed)
    return kept.tolist()


def embed(texts: list[str]) -> np.ndarray:
    """WordLlama vectors (256 dims): a static-embedding model that embeds thousands of texts per second on CPU."""
    return wordllama().embed(texts)


def compare(reference: np.ndarray, current: np.ndarray) -> EmbeddingDrift:
    """Evidently's embedding drift method on two matrices of vectors."""
    from evidently.legacy.metrics.data_drift.embedding_drift_methods import model

    method = model(bootstrap=True, quantile_probability=0.95)
    score, drifted, _ = method(pd.DataFrame(current), pd.DataFrame(reference))
    return EmbeddingDrift(float(score), bool(drifted))
