"""Trains the toxicity heads offline and writes model.npz beside this file (numpy only, no extra packages).

Data (provenance and licences in NOTICE.md): t-davidson/hate-speech-and-offensive-language (every fifth tweet
held out), the benign user messages of clinc150's training domains (benign.py; thresholds picked on its
calibration intents, the held-out domains and the hotels corpus never seen), and the hand-written sentences of
anchors.py. ToxiGen is never trained on: it is the held-out benchmark. Run:
`python -m telltale_server.streams.evaluators.toxicity.train --data ../shared/data`.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np

from telltale_server.streams.evaluators import benign
from telltale_server.streams.evaluators.embeddings.minilm import MiniLMEmbedder
from telltale_server.streams.evaluators.toxicity import anchors
from telltale_server.streams.evaluators.toxicity.model import HEADS, ToxicityModel

DAVIDSON = "toxicity_davidson_tweets.jsonl"
FALSE_ALARMS = {"hate": 0.0005, "harassment": 0.001, "profanity": 0.002}
"""Share of calibration benign messages each head may flag: the two alerting heads together stay under 0.5%."""
SECOND_PERSON = re.compile(r"\b(?:you|your|you're|youre|u|ur|ya|yo)\b", re.IGNORECASE)
HAND_WRITTEN_WEIGHT = 10.0
"""The templates carry what the tweets lack (neutral group mentions, counter-speech, plain insults)."""
L2 = 1.0


def davidson_held_out(row: int) -> bool:
    """Every fifth tweet is kept out of training for the benchmark."""
    return row % 5 == 0


def dataset(data: Path) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """(texts, targets texts x HEADS, weights, calibration texts) for training."""
    rows: list[tuple[str, tuple[int, int, int], float]] = []
    for row, line in enumerate((data / DAVIDSON).read_text().splitlines()):
        item = json.loads(line)
        if davidson_held_out(row):
            continue
        label, text = item["label"], item["text"]
        abusive = label != "neither"
        rows.append((text, (int(label == "hate"), int(abusive and bool(SECOND_PERSON.search(text))), int(abusive)), 1))
    rows += [(text, (1, 0, 0), HAND_WRITTEN_WEIGHT) for text in anchors.hateful()]
    rows += [(text, (0, 1, 0), HAND_WRITTEN_WEIGHT) for text in anchors.harassing()]
    rows += [(text, (0, 0, 1), HAND_WRITTEN_WEIGHT) for text in anchors.PROFANE]
    rows += [(text, (0, 0, 0), HAND_WRITTEN_WEIGHT) for text in anchors.neutral()]
    messages = benign.messages(data)
    rows += [(m.text, (0, 0, 0), 1) for m in messages if not m.held_out and not m.calibration]
    calibration = [m.text for m in messages if m.calibration]
    return [r[0] for r in rows], np.array([r[1] for r in rows]), np.array([r[2] for r in rows]), calibration


def fit(features: np.ndarray, target: np.ndarray, weights: np.ndarray, steps: int = 25) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method, classes balanced by weight."""
    positive = target == 1
    balanced = weights * np.where(positive, 0.5 / weights[positive].sum(), 0.5 / weights[~positive].sum())
    balanced *= len(target)
    design = np.hstack([features, np.ones((len(features), 1), dtype=features.dtype)]).astype(np.float64)
    beta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], L2)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(design @ beta)))
        gradient = design.T @ (balanced * (p - target)) + penalty * beta
        hessian = (design * (balanced * p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-6:
            break
    return beta[:-1], float(beta[-1])


def train(embeddings: np.ndarray, targets: np.ndarray, weights: np.ndarray, calibration: np.ndarray) -> ToxicityModel:
    """One head per category, each intercept shifted so its calibration false-alarm rate sits at 0.5."""
    coefficients, intercepts = [], []
    for column, head in enumerate(HEADS):
        coef, intercept = fit(embeddings, targets[:, column], weights)
        logits = calibration @ coef + intercept
        threshold = float(np.quantile(logits, 1 - FALSE_ALARMS[head]))
        coefficients.append(coef)
        intercepts.append(intercept - threshold)
    return ToxicityModel(np.array(coefficients, dtype=np.float32), np.array(intercepts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[4] / "shared" / "data")
    args = parser.parse_args()
    texts, targets, weights, calibration = dataset(args.data)
    embedder = MiniLMEmbedder()
    model = train(embedder.embed(texts), targets, weights, embedder.embed(calibration))
    model.save()
    summary = {"trained_on": len(texts), "calibrated_on": len(calibration), "positives": targets.sum(0).tolist()}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
