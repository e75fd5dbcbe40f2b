"""The toxicity direction in MiniLM space, computed from the anchors once and shipped as direction.npz."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from telltale_server.streams.evaluators.embeddings.minilm import MiniLMEmbedder
from telltale_server.streams.evaluators.toxicity.anchors import anchor_sentences

SHIPPED = Path(__file__).with_name("direction.npz")


@dataclass(frozen=True)
class Direction:
    """Projection onto mean(hateful) - mean(neutral); the threshold is the highest neutral anchor's projection.

    The midpoint of the two anchor means flagged a third of ordinary help-desk traffic in the demo; no
    neutral anchor (each names a group, the hardest benign case) may be flagged instead.
    """

    vector: np.ndarray
    threshold: float

    @classmethod
    def from_anchors(cls, embedder: MiniLMEmbedder) -> Direction:
        hateful, neutral = anchor_sentences()
        hate, calm = embedder.embed(hateful), embedder.embed(neutral)
        vector = hate.mean(axis=0) - calm.mean(axis=0)
        threshold = float((calm @ vector).max())
        return cls(vector.astype(np.float32), threshold)


@functools.cache
def shipped() -> Direction:
    """The direction computed by `python -m telltale_server.streams.evaluators.toxicity.direction` (deterministic)."""
    data = np.load(SHIPPED)
    return Direction(data["vector"], float(data["threshold"]))


if __name__ == "__main__":
    computed = Direction.from_anchors(MiniLMEmbedder())
    np.savez_compressed(SHIPPED, vector=computed.vector, threshold=computed.threshold)
    print(f"wrote {SHIPPED} (threshold {computed.threshold:.4f})")
