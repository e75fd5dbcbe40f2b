"""Evaluator quality and speed on the labelled development sets in ../shared/data; prints JSON.

Run: `python -m bench.evaluators [--data DIR] [--only groundedness,...]`. For each evaluator: AUROC of its
continuous signal, balanced accuracy of the label it ships (its documented threshold, not one fitted
here), the safety evaluators' false-alarm rate on benign user messages of domains they were never trained or
calibrated on, per-event latency p50/p95 at batch 32 on a typical RAG event, and model load time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.groundedness.text import sentences, tokens

REPO = Path(__file__).resolve().parents[1]


def auroc(labels: list[int], scores: list[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    ranked = sorted(zip(scores, labels, strict=True))
    positives = sum(labels)
    negatives = len(labels) - positives
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        average_rank = (i + j + 1) / 2
        rank_sum += average_rank * sum(label for _, label in ranked[i:j])
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def balanced_accuracy(labels: list[int], predicted: list[bool]) -> float:
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
    tn = sum(1 for y, p in zip(labels, predicted, strict=True) if not y and not p)
    positives = sum(labels)
    return (tp / positives + tn / (len(labels) - positives)) / 2


def event(output: str | None = None, contexts: list[str] | None = None, input_text: str = "q") -> InferenceEvent:
    return InferenceEvent.model_validate(
        {
            "event_id": str(uuid.uuid4()),
            "ts": "2026-01-01T00:00:00Z",
            "model": "bench",
            "input": input_text,
            "output": output,
            "contexts": contexts or [],
        }
    )


def read(data: Path, name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (data / name).read_text().splitlines() if line.strip()]


def overlap_baseline(response: str, context: str) -> float:
    """The plain word-overlap baseline: the worst sentence's best token overlap with a context sentence."""
    context_tokens = [set(tokens(s)) for s in sentences(context)] or [set()]
    worst = 1.0
    for sentence in sentences(response):
        words = set(tokens(sentence))
        if words:
            worst = min(worst, max(len(words & c) / len(words) for c in context_tokens))
    return worst


def groundedness(data: Path) -> dict[str, Any]:
    """Shipped-threshold figures on all of BEGIN dev, and leave-one-source-out folds: the threshold picked on two
    dialogue sources, measured on the third."""
    from telltale_server.streams.evaluators.embeddings.wordllama import shared
    from telltale_server.streams.evaluators.groundedness.evaluator import GroundednessEvaluator

    started = time.perf_counter()
    evaluator = GroundednessEvaluator(shared())
    evaluator.evaluate([event("Warm-up sentence about nothing.", ["Warm-up passage."])])
    load_s = time.perf_counter() - started
    items = [item for item in read(data, "groundedness_begin_dev.jsonl") if item["hallucinated"] is not None]
    rows = []
    for item in items:
        results = {r.metric: r for r in evaluator.evaluate([event(item["response"], [item["context"]])])}
        score = results.get("score")
        rows.append(
            {
                "source": item["data_source"],
                "label": item["hallucinated"],
                "support": score.details["min_support"] if score else None,
                "refused": results["refusal"].label == "refused",
                "baseline": 1 - overlap_baseline(item["response"], item["context"]),
            }
        )
    labels = [row["label"] for row in rows]
    judged = [row for row in rows if row["support"] is not None]
    return {
        "data": "groundedness_begin_dev.jsonl",
        "items": len(items),
        "not_judged": {
            "no_claims": len(rows) - len(judged),
            "of_them_labelled_hallucinated": sum(row["label"] for row in rows if row["support"] is None),
            "refused": sum(row["refused"] for row in rows),
        },
        "threshold": evaluator.threshold,
        "all_items": _figures(rows, evaluator.threshold),
        "judged_items": _figures(judged, evaluator.threshold),
        "leave_one_source_out": {
            "all_items": _folds(rows),
            "judged_items": _folds(judged),
        },
        "word_overlap_baseline": {
            "auroc": round(auroc(labels, [row["baseline"] for row in rows]), 4),
            "balanced_accuracy_at_0.5": round(
                balanced_accuracy(labels, [row["baseline"] > 0.5 for row in rows]),
                4,
            ),
        },
        "load_s": round(load_s, 2),
        **latency(evaluator),
    }


def _figures(rows: list[dict[str, Any]], threshold: float) -> dict[str, float]:
    """AUROC of the lowest claim support (no claims: least risky) and balanced accuracy of the label."""
    labels = [row["label"] for row in rows]
    risk = [-row["support"] if row["support"] is not None else -2.0 for row in rows]
    flagged = [row["support"] is not None and row["support"] < threshold for row in rows]
    return {"auroc": round(auroc(labels, risk), 4), "balanced_accuracy": round(balanced_accuracy(labels, flagged), 4)}


def _folds(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per held-out source: the threshold best on the other sources (the highest balanced accuracy on the worse
    of them: a threshold for traffic it was not tuned on), and that threshold's figures on the held-out one."""
    sources = sorted({row["source"] for row in rows})
    grid = [round(0.3 + 0.01 * step, 2) for step in range(61)]
    folds = {}
    for held in sources:
        train = [[row for row in rows if row["source"] == source] for source in sources if source != held]
        chosen = max(grid, key=lambda t: min(_figures(part, t)["balanced_accuracy"] for part in train))
        tested = _figures([row for row in rows if row["source"] == held], chosen)
        folds[held] = {"threshold": chosen, **tested}
    return folds


def typical_rag_event(n: int = 0) -> InferenceEvent:
    """3 contexts of ~150 words and a ~100-word answer, as the issue defines a typical RAG event; `n` varies the texts.

    Every event's question and answer differ, so no embedding is reused from an earlier event (as in production).
    """
    passage = (
        "The Pro plan costs $49 per month when billed monthly and includes 5 seats. Additional seats are $9 each. "
        "Annual billing lowers the price to $470 per year. Single sign-on is included from the Pro tier up. "
    ) * 4
    answer = (
        "The Pro plan is $49 a month with 5 seats included, and extra seats cost $9 each. "
        "Paying annually costs $470 for the year. Single sign-on is part of Pro and higher tiers. "
    ) * 3
    question = f"How much does the Pro plan cost for {n} seats, and does it include SSO?"
    return event(f"For {n} seats: {answer}", [passage, passage, passage], question)


def latency(evaluator: Evaluator, batches: int = 12) -> dict[str, Any]:
    evaluator.evaluate([typical_rag_event(n) for n in range(32)])
    per_event = []
    for round_ in range(1, batches + 1):
        batch = [typical_rag_event(round_ * 32 + n) for n in range(32)]
        started = time.perf_counter()
        evaluator.evaluate(batch)
        per_event.append((time.perf_counter() - started) / len(batch) * 1000)
    return {
        "latency_ms_per_event": {
            "p50": round(statistics.median(per_event), 3),
            "p95": round(sorted(per_event)[int(len(per_event) * 0.95)], 3),
        }
    }


def false_alarms(data: Path, flags: Callable[[list[str]], list[bool]]) -> dict[str, Any]:
    """Share of held-out benign user messages flagged, per group (clinc domain, out-of-scope, hotels)."""
    from telltale_server.streams.evaluators import benign

    held_out = [m for m in benign.messages(data) if m.held_out]
    flagged = flags([m.text for m in held_out])
    out: dict[str, Any] = {}
    for group in benign.HELD_OUT:
        hits = [f for m, f in zip(held_out, flagged, strict=True) if m.domain == group]
        out[group] = {"messages": len(hits), "flagged": sum(hits), "rate": round(sum(hits) / len(hits), 4)}
    return out


def injection(data: Path) -> dict[str, Any]:
    from telltale_server.streams.evaluators.embeddings.minilm import MiniLMEmbedder
    from telltale_server.streams.evaluators.injection.evaluator import InjectionEvaluator, scores_for
    from telltale_server.streams.evaluators.injection.model import shipped

    started = time.perf_counter()
    evaluator = InjectionEvaluator(MiniLMEmbedder(), shipped())
    load_s = time.perf_counter() - started
    items = read(data, "injection_slabs.jsonl")
    labels = [item["injection"] for item in items]
    scores = [float(s) for s in scores_for(evaluator, [item["text"] for item in items])]
    threshold = evaluator.model.threshold
    flagged = [s >= threshold for s in scores]
    return {
        "data": "injection_slabs.jsonl",
        "items": len(items),
        "auroc": round(auroc(labels, scores), 4),
        "balanced_accuracy": round(balanced_accuracy(labels, flagged), 4),
        "recall": round(sum(f for f, y in zip(flagged, labels, strict=True) if y) / sum(labels), 4),
        "threshold": round(threshold, 4),
        "benign_false_alarms": false_alarms(
            data, lambda texts: [bool(s >= threshold) for s in scores_for(evaluator, texts)]
        ),
        "load_s": round(load_s, 2),
        **latency(evaluator),
    }


def toxicity_labelled(evaluator: Evaluator, texts: list[str], labels: list[int]) -> dict[str, Any]:
    """AUROC and balanced accuracy of the shipped `toxic` label, each text scored as a call's output."""
    results = evaluator.evaluate([event(text, input_text="") for text in texts])
    scores = [r.value or 0.0 for r in results]
    return {
        "items": len(texts),
        "auroc": round(auroc(labels, scores), 4),
        "balanced_accuracy": round(balanced_accuracy(labels, [r.label == "toxic" for r in results]), 4),
    }


def toxicity(data: Path) -> dict[str, Any]:
    from telltale_server.streams.evaluators.embeddings.minilm import MiniLMEmbedder
    from telltale_server.streams.evaluators.toxicity.evaluator import ToxicityEvaluator
    from telltale_server.streams.evaluators.toxicity.model import shipped
    from telltale_server.streams.evaluators.toxicity.train import DAVIDSON, davidson_held_out

    started = time.perf_counter()
    evaluator = ToxicityEvaluator(MiniLMEmbedder(), shipped())
    load_s = time.perf_counter() - started
    toxigen = read(data, "toxicity_toxigen_seed.jsonl")
    tweets = [item for row, item in enumerate(read(data, DAVIDSON)) if davidson_held_out(row)]
    return {
        "toxigen_seeds_never_trained_on": toxicity_labelled(
            evaluator, [item["text"] for item in toxigen], [item["toxic"] for item in toxigen]
        ),
        "davidson_held_out_hate_vs_rest": toxicity_labelled(
            evaluator, [item["text"] for item in tweets], [int(item["label"] == "hate") for item in tweets]
        ),
        "benign_false_alarms": false_alarms(
            data, lambda texts: [r.label == "toxic" for r in evaluator.evaluate([event(input_text=t) for t in texts])]
        ),
        "load_s": round(load_s, 2),
        **latency(evaluator),
    }


def all_local(data: Path) -> dict[str, Any]:
    """Every default local evaluator on the typical RAG event, as the pipeline runs them (shared models)."""
    from telltale_server.schemas.settings import Settings
    from telltale_server.streams.evaluators import registry

    started = time.perf_counter()
    evaluators = registry.build(Settings())
    load_s = time.perf_counter() - started

    class All(Evaluator):
        name, version = "all", "0"

        def evaluate(self, batch):  # type: ignore[no-untyped-def]
            return [result for evaluator in evaluators for result in evaluator.evaluate(batch)]

    return {"evaluators": [e.name for e in evaluators], "load_s": round(load_s, 2), **latency(All())}


def language(data: Path) -> dict[str, Any]:
    """The language evaluator's model load and its cost per event (the typical RAG event's question)."""
    from telltale_server.streams.evaluators.language import LanguageEvaluator, identifier

    started = time.perf_counter()
    identifier()
    load_s = time.perf_counter() - started
    return {"load_s": round(load_s, 2), **latency(LanguageEvaluator(), batches=60)}


BENCHES: dict[str, Callable[[Path], dict[str, Any]]] = {
    "groundedness": groundedness,
    "injection": injection,
    "toxicity": toxicity,
    "language": language,
    "all_local": all_local,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--only", default=",".join(BENCHES))
    args = parser.parse_args()
    print(json.dumps({name: BENCHES[name](args.data) for name in args.only.split(",")}, indent=2))


if __name__ == "__main__":
    main()
