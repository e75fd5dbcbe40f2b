"""WordLlama static embeddings: ~0.1 ms a sentence, good enough to tell a paraphrase from a new claim."""

from __future__ import annotations

import functools
from importlib.resources import files

import numpy as np


class WordLlamaEmbedder:
    """Loads the wheel's files directly: `WordLlama.load()` looks in the wrong folder and then goes online."""

    name = "wordllama-l2-supercat-256"

    def __init__(self, dim: int = 256) -> None:
        from safetensors import safe_open
        from tokenizers import Tokenizer
        from wordllama.inference import WordLlamaInference

        root = files("wordllama")
        with safe_open(str(root / "weights" / "l2_supercat_256.safetensors"), framework="np") as weights:
            table = weights.get_tensor("embedding.weight")
        tokenizer = Tokenizer.from_file(str(root / "tokenizers" / "l2_supercat_tokenizer_config.json"))
        self._model = WordLlamaInference(table[:, :dim], tokenizer)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors, one row per text."""
        if not texts:
            return np.zeros((0, 256), dtype=np.float32)
        return np.asarray(self._model.embed(texts, norm=True, batch_size=64), dtype=np.float32)


@functools.cache
def shared() -> WordLlamaEmbedder:
    """One instance per process, loaded on first use."""
    return WordLlamaEmbedder()
