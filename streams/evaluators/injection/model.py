"""The injection model: three scorers on one text, each mapped to its reference CDF, then averaged."""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from telltale_server.streams.evaluators.injection.charngrams import CharNgramScorer

HERE = Path(__file__).parent
NEIGHBOURS = 5


def knn_scores(queries: np.ndarray, attacks: np.ndarray, benign: np.ndarray) -> np.ndarray:
    """Mean cosine to the 5 nearest known attacks minus that to the 5 nearest benign texts."""
    near_attacks = np.sort(queries @ attacks.T.astype(np.float32), axis=1)[:, -NEIGHBOURS:].mean(axis=1)
    near_benign = np.sort(queries @ benign.T.astype(np.float32), axis=1)[:, -NEIGHBOURS:].mean(axis=1)
    return near_attacks - near_benign


@dataclass
class InjectionModel:
    """Nearest neighbours and a linear model on MiniLM embeddings, plus a char n-gram linear model.

    Each raw score becomes its empirical CDF among the benign texts held out of training (prompts and user
    messages), so the three are comparable and a score reads as "above this share of ordinary texts"; the
    mean of the CDFs is the injection score in [0, 1]. `threshold` flags 0.15% of the calibration user
    messages (train.py), none of which the scorers were fitted on.
    """

    attacks: np.ndarray
    benign: np.ndarray
    coef: np.ndarray
    intercept: float
    ngrams: CharNgramScorer
    reference: np.ndarray
    threshold: float

    def scores(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        """Injection scores in [0, 1] for texts whose MiniLM embeddings are given."""
        components = np.stack(
            [
                knn_scores(embeddings, self.attacks, self.benign),
                1 / (1 + np.exp(-(embeddings @ self.coef + self.intercept))),
                np.array([self.ngrams.score(text) for text in texts]),
            ]
        )
        return self.combine(components)

    def combine(self, components: np.ndarray) -> np.ndarray:
        """Mean over components of each raw score's rank among that component's benign reference scores."""
        cdfs = [
            np.searchsorted(ref, raw, side="right") / len(ref)
            for ref, raw in zip(self.reference, components, strict=True)
        ]
        return np.mean(cdfs, axis=0)

    def save(self) -> None:
        np.savez_compressed(
            HERE / "model.npz",
            attacks=self.attacks,
            benign=self.benign,
            coef=self.coef,
            intercept=self.intercept,
            idf=self.ngrams.idf,
            ngram_coef=self.ngrams.coef,
            ngram_intercept=self.ngrams.intercept,
            reference=self.reference,
            threshold=self.threshold,
        )
        with gzip.open(HERE / "ngrams.json.gz", "wt") as out:
            json.dump(self.ngrams.vocabulary, out)


@functools.cache
def shipped() -> InjectionModel:
    """The model trained by train.py, loaded once per process."""
    data = np.load(HERE / "model.npz")
    with gzip.open(HERE / "ngrams.json.gz", "rt") as source:
        vocabulary = json.load(source)
    ngrams = CharNgramScorer(vocabulary, data["idf"], data["ngram_coef"], float(data["ngram_intercept"]))
    return InjectionModel(
        data["attacks"],
        data["benign"],
        data["coef"],
        float(data["intercept"]),
        ngrams,
        data["reference"],
        float(data["threshold"]),
    )
