"""Retrieval relevance quality and cost on public labelled question-passage sets; prints JSON.

Run: `python -m bench.retrieval [--data DIR] [--questions N]` (data from `python -m bench.relevance_data`).
Positives: a question with the passage written for it. Negatives, built from the same corpus: the passage of
another, random question (easy) and a passage on the same topic (hard: BoolQ, another paragraph of the same
Wikipedia article; PubMedQA, the abstract closest in words to the question's own abstract, chosen without
looking at the question). The lexical weight and threshold are picked on BoolQ by balanced accuracy (each kind
of negative weighing the same) on four folds of questions and measured on the fifth; the values picked on all
of BoolQ are then measured on PubMedQA, which nothing was tuned on. Cost: per-event scoring time of calls with
three passages never seen; `--minilm` measures MiniLM in WordLlama's place the same way.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from bench.evaluators import auroc, balanced_accuracy, event
from bench.relevance_data import DEFAULT, fetch
from telltale_server.streams.evaluators.embeddings import minilm, wordllama
from telltale_server.streams.evaluators.groundedness.evaluator import Embedder
from telltale_server.streams.evaluators.groundedness.text import content_tokens
from telltale_server.streams.evaluators.retrieval.evaluator import RELEVANCE_THRESHOLD, RetrievalEvaluator
from telltale_server.streams.evaluators.retrieval.relevance import LEXICAL_WEIGHT, lexical, relevance, stems

WEIGHTS = [round(w, 2) for w in np.arange(0.0, 0.85, 0.05)]
THRESHOLDS = [round(t, 3) for t in np.arange(0.1, 0.8, 0.01)]
FOLDS = 5


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def boolq(data: Path, n: int, rng: random.Random) -> list[dict[str, Any]]:
    """Question, its passage, a random passage and, where its article has another paragraph, that one."""
    items = read(data / "boolq_dev.jsonl")
    by_title: dict[str, list[str]] = defaultdict(list)
    for item in items:
        if item["passage"] not in by_title[item["title"]]:
            by_title[item["title"]].append(item["passage"])
    chosen = rng.sample(items, min(n, len(items)))
    pairs = []
    for i, item in enumerate(chosen):
        pairs.append({"group": i, "question": item["question"], "passage": item["passage"], "label": 1, "kind": "own"})
        other = rng.choice([x for x in chosen if x["title"] != item["title"]])["passage"]
        pairs.append({"group": i, "question": item["question"], "passage": other, "label": 0, "kind": "random"})
        same = [p for p in by_title[item["title"]] if p != item["passage"]]
        if same:
            pairs.append(
                {"group": i, "question": item["question"], "passage": rng.choice(same), "label": 0, "kind": "topic"}
            )
    return pairs


def pubmedqa(data: Path, rng: random.Random) -> list[dict[str, Any]]:
    """Question, its abstract, a random abstract, and the abstract sharing most words with its own."""
    items = read(data / "pubmedqa_pqal.jsonl")
    words = [Counter(content_tokens(item["passage"])) for item in items]
    frequency = Counter(word for counts in words for word in counts)
    weighted = [{w: c / frequency[w] for w, c in counts.items()} for counts in words]
    pairs = []
    for i, item in enumerate(items):
        closest = max(
            (j for j in range(len(items)) if j != i),
            key=lambda j: sum(min(weighted[i][w], weighted[j][w]) for w in weighted[i].keys() & weighted[j].keys()),
        )
        other = rng.choice([j for j in range(len(items)) if j != i])
        for passage, label, kind in ((i, 1, "own"), (other, 0, "random"), (closest, 0, "topic")):
            pairs.append(
                {
                    "group": i,
                    "question": item["question"],
                    "passage": items[passage]["passage"],
                    "label": label,
                    "kind": kind,
                }
            )
    return pairs


def features(pairs: list[dict[str, Any]], embedder: Embedder) -> tuple[np.ndarray, np.ndarray]:
    """Cosine and lexical share per pair, as the evaluator computes them."""
    texts = list(dict.fromkeys(t for p in pairs for t in (p["question"], p["passage"])))
    vectors = dict(zip(texts, embedder.embed(texts), strict=True))
    semantic = np.array([float(vectors[p["question"]] @ vectors[p["passage"]]) for p in pairs])
    words = np.array([lexical(p["question"], stems(p["passage"])) for p in pairs])
    return semantic, words


def pick(pairs: list[dict[str, Any]], semantic: np.ndarray, words: np.ndarray) -> tuple[float, float]:
    """The (lexical weight, threshold) with the best balanced accuracy, each kind of negative weighing the same
    (random negatives outnumber same-topic ones, and alone they pick a threshold too low for the hard ones)."""
    relevant = np.array([p["label"] == 1 for p in pairs])
    kinds = [np.array([p["kind"] == kind for p in pairs]) for kind in ("random", "topic")]
    best = (-1.0, 0.0, 0.0)
    for weight in WEIGHTS:
        scores = relevance(semantic, words, weight)
        for threshold in THRESHOLDS:
            said = scores >= threshold
            rejected = statistics.mean(float((~said[kind]).mean()) for kind in kinds)
            best = max(best, ((float(said[relevant].mean()) + rejected) / 2, weight, threshold))
    return best[1], best[2]


def figures(pairs: list[dict[str, Any]], scores: np.ndarray, threshold: float) -> dict[str, Any]:
    """AUROC and balanced accuracy against all negatives, and against each kind of negative alone."""
    out: dict[str, Any] = {}
    for kind in ("all", "random", "topic"):
        rows = [i for i, p in enumerate(pairs) if p["label"] or kind in ("all", p["kind"])]
        labels = [pairs[i]["label"] for i in rows]
        out[kind] = {
            "pairs": len(rows),
            "auroc": round(auroc(labels, list(scores[rows])), 4),
            "balanced_accuracy": round(balanced_accuracy(labels, list(scores[rows] >= threshold)), 4),
        }
    return out


def folds(pairs: list[dict[str, Any]], semantic: np.ndarray, words: np.ndarray) -> dict[str, Any]:
    """Weight and threshold picked on four folds of questions, measured on the fifth."""
    results = []
    for fold in range(FOLDS):
        train = [i for i, p in enumerate(pairs) if p["group"] % FOLDS != fold]
        test = [i for i, p in enumerate(pairs) if p["group"] % FOLDS == fold]
        weight, threshold = pick([pairs[i] for i in train], semantic[train], words[train])
        held = figures([pairs[i] for i in test], relevance(semantic[test], words[test], weight), threshold)
        results.append({"weight": weight, "threshold": threshold, **held})
    return {
        "picked": [(r["weight"], r["threshold"]) for r in results],
        "held_out_mean": {
            kind: {m: round(statistics.mean(r[kind][m] for r in results), 4) for m in ("auroc", "balanced_accuracy")}
            for kind in ("all", "random", "topic")
        },
    }


def cost(embedder: Embedder, pairs: list[dict[str, Any]], batches: int = 8) -> dict[str, Any]:
    """Per-event time of the evaluator at batch 32, each call with its question and three passages never seen."""
    evaluator = RetrievalEvaluator(embedder)
    passages = [p["passage"] for p in pairs]
    per_event = []
    for b in range(batches):
        batch = [
            event(
                "answer", [f"{n} {b} {passages[(b * 96 + n * 3 + k) % len(passages)]}" for k in range(3)], f"q {b} {n}?"
            )
            for n in range(32)
        ]
        started = time.perf_counter()
        evaluator.evaluate(batch)
        per_event.append((time.perf_counter() - started) / len(batch) * 1000)
    return {
        "p50": round(statistics.median(per_event), 1),
        "p95": round(sorted(per_event)[int(len(per_event) * 0.95)], 1),
    }


def alternative(tuned: list[dict[str, Any]], unseen: list[dict[str, Any]]) -> dict[str, Any]:
    """The same protocol with MiniLM (the safety evaluators' embedder) in place of WordLlama: what it would buy."""
    embedder = minilm.shared()
    semantic, words = features(tuned, embedder)
    weight, threshold = pick(tuned, semantic, words)
    other_semantic, other_words = features(unseen, embedder)
    return {
        "boolq_folds": folds(tuned, semantic, words)["held_out_mean"],
        "picked_on_boolq": {"weight": weight, "threshold": threshold},
        "pubmedqa": figures(unseen, relevance(other_semantic, other_words, weight), threshold),
        "latency_ms_per_event_3_new_passages": cost(embedder, unseen),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--questions", type=int, default=1500, help="BoolQ questions sampled (of 3,270)")
    parser.add_argument("--minilm", action="store_true", help="also measure MiniLM in WordLlama's place")
    args = parser.parse_args()
    data = fetch(args.data)
    rng = random.Random(19)
    embedder = wordllama.shared()
    tuned, unseen = boolq(data, args.questions, rng), pubmedqa(data, rng)
    semantic, words = features(tuned, embedder)
    weight, threshold = pick(tuned, semantic, words)
    other_semantic, other_words = features(unseen, embedder)
    found = {
        "boolq_folds": folds(tuned, semantic, words),
        "picked_on_boolq": {"weight": weight, "threshold": threshold},
        "shipped": {"weight": LEXICAL_WEIGHT, "threshold": RELEVANCE_THRESHOLD},
        "boolq_shipped": figures(tuned, relevance(semantic, words), RELEVANCE_THRESHOLD),
        "pubmedqa_shipped": figures(unseen, relevance(other_semantic, other_words), RELEVANCE_THRESHOLD),
        "latency_ms_per_event_3_new_passages": cost(embedder, unseen),
    }
    if args.minilm:
        found["minilm_instead"] = alternative(tuned, unseen)
    print(json.dumps(found, indent=1))


if __name__ == "__main__":
    main()
