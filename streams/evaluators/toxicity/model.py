"""The toxicity model: three logistic heads (hate, harassment, profanity) on MiniLM embeddings, shipped as model.npz."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SHIPPED = Path(__file__).with_name("model.npz")
HEADS = ("hate", "harassment", "profanity")
ALERTING = ("hate", "harassment")
"""Heads whose firing makes a text `toxic`; profanity alone is named in the details but does not alert."""


@dataclass(frozen=True)
class ToxicityModel:
    """One linear head per category; each intercept is shifted so that 0.5 is that head's shipped threshold.

    The thresholds are picked by train.py on benign user messages never trained on, at a target false-alarm
    rate, so a probability of 0.5 or more reads "above what ordinary traffic scores".
    """

    weights: np.ndarray
    intercepts: np.ndarray

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """(texts x heads) probabilities, columns in HEADS order."""
        return 1 / (1 + np.exp(-(embeddings @ self.weights.T + self.intercepts)))

    def save(self) -> None:
        np.savez_compressed(SHIPPED, weights=self.weights.astype(np.float32), intercepts=self.intercepts)


@functools.cache
def shipped() -> ToxicityModel:
    """The heads trained by train.py, loaded once per process."""
    data = np.load(SHIPPED)
    return ToxicityModel(data["weights"], data["intercepts"])
