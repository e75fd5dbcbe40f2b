"""PII detector benchmark on the Presidio synthetic dev set: per-type precision/recall/F1 and latency, as JSON.

Run from the repository root: `python -m bench.pii [--data DIR]`.

Span match rule: a prediction and a gold span match when their types agree (after mapping the
dataset's names to ours) and their character overlap covers at least half of the shorter of the
two; matching is one-to-one, largest overlap first. Unmatched predictions are false positives,
unmatched gold spans false negatives. `exact` counts matches with identical offsets.
"""

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

from telltale_server.streams.evaluators.pii import PII_TYPES, PiiSpan, detect

REPO = Path(__file__).resolve().parents[1]
DATASET = "pii_presidio_synth_dev.jsonl"
PROSE_DATASET = "groundedness_begin_dev.jsonl"
TYPE_MAP = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "US_SSN",
    "IP_ADDRESS": "IP_ADDRESS",
}
STRUCTURED = ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS")
TARGET_RECALL = 0.95
TARGET_PRECISION = 0.9
LONG_TEXT_WORDS = 1000

Gold = tuple[str, int, int]


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    """Shared characters of two half-open ranges."""
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def match(preds: list[PiiSpan], gold: list[Gold]) -> list[tuple[int, int]]:
    """One-to-one (pred index, gold index) pairs under the module's overlap rule."""
    pairs = []
    for i, p in enumerate(preds):
        for j, (g_type, g_start, g_end) in enumerate(gold):
            shared = _overlap(p.start, p.end, g_start, g_end)
            shorter = min(p.end - p.start, g_end - g_start)
            if p.type == g_type and shared * 2 >= shorter > 0:
                pairs.append((shared, i, j))
    used_p: set[int] = set()
    used_g: set[int] = set()
    matched = []
    for _, i, j in sorted(pairs, reverse=True):
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            matched.append((i, j))
    return matched


def _ratio(num: int, den: int) -> float | None:
    """Rounded ratio, None when undefined."""
    return round(num / den, 4) if den else None


def _scores(tp: int, n_pred: int, n_gold: int) -> dict[str, Any]:
    """Precision, recall and F1 from counts."""
    precision, recall = _ratio(tp, n_pred), _ratio(tp, n_gold)
    f1 = None
    if precision is not None and recall is not None and precision + recall > 0:
        f1 = round(2 * precision * recall / (precision + recall), 4)
    return {"gold": n_gold, "pred": n_pred, "tp": tp, "precision": precision, "recall": recall, "f1": f1}


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    """p50/p95/max in microseconds."""
    cuts = statistics.quantiles(samples_ns, n=100, method="inclusive")
    return {
        "n": len(samples_ns),
        "p50": round(cuts[49] / 1000, 1),
        "p95": round(cuts[94] / 1000, 1),
        "max": round(max(samples_ns) / 1000, 1),
    }


def _time_detect(texts: list[str]) -> list[int]:
    """Wall time of `detect` per text, after one warm-up pass."""
    for text in texts:
        detect(text)
    samples = []
    for text in texts:
        t0 = time.perf_counter_ns()
        detect(text)
        samples.append(time.perf_counter_ns() - t0)
    return samples


def _chunks_of_words(texts: list[str], words: int) -> list[str]:
    """Concatenate consecutive texts into documents of about `words` words (LLM-call sized)."""
    docs, current, count = [], [], 0
    for text in texts:
        current.append(text)
        count += len(text.split())
        if count >= words:
            docs.append("\n".join(current))
            current, count = [], 0
    return docs


def _load_jsonl(path: Path) -> list[dict[str, Any]]:
    """Items of a JSONL file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def run(data_dir: Path) -> dict[str, Any]:
    """Score every item, then time detection on the items and on ~1000-word documents."""
    items = _load_jsonl(data_dir / DATASET)
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    tp: Counter[str] = Counter()
    exact: Counter[str] = Counter()
    fp_on_unscored: Counter[str] = Counter()
    for item in items:
        text = item["text"]
        gold = [(TYPE_MAP[s["type"]], s["start"], s["end"]) for s in item["spans"] if s["type"] in TYPE_MAP]
        unscored = [s for s in item["spans"] if s["type"] not in TYPE_MAP]
        preds = detect(text)
        matched = match(preds, gold)
        n_gold.update(g[0] for g in gold)
        n_pred.update(p.type for p in preds)
        for i, j in matched:
            tp[preds[i].type] += 1
            exact[preds[i].type] += (preds[i].start, preds[i].end) == gold[j][1:]
        matched_preds = {i for i, _ in matched}
        for i, p in enumerate(preds):
            if i in matched_preds:
                continue
            for s in unscored:
                if _overlap(p.start, p.end, s["start"], s["end"]):
                    fp_on_unscored[f"{p.type} on {s['type']}"] += 1
                    break

    per_type = {t: {**_scores(tp[t], n_pred[t], n_gold[t]), "exact": exact[t]} for t in STRUCTURED}
    structured_tp = sum(tp[t] for t in STRUCTURED)
    micro = _scores(structured_tp, sum(n_pred[t] for t in STRUCTURED), sum(n_gold[t] for t in STRUCTURED))
    targets_met = {
        t: (s["recall"] or 0) >= TARGET_RECALL and (s["precision"] or 0) >= TARGET_PRECISION
        for t, s in per_type.items()
    }

    texts = [item["text"] for item in items]
    latency = {"per_item": _percentiles(_time_detect(texts))}
    latency["pii_dense_1000_words"] = _percentiles(_time_detect(_chunks_of_words(texts, LONG_TEXT_WORDS)))
    prose_path = data_dir / PROSE_DATASET
    if prose_path.exists():
        prose = [f"{row['context']}\n{row['response']}" for row in _load_jsonl(prose_path)]
        latency["prose_1000_words"] = _percentiles(_time_detect(_chunks_of_words(prose, LONG_TEXT_WORDS)))

    return {
        "dataset": DATASET,
        "items": len(items),
        "match_rule": "same type and overlap >= 50% of the shorter span, one-to-one",
        "structured": per_type,
        "structured_micro": micro,
        "targets": {"recall": TARGET_RECALL, "precision": TARGET_PRECISION, "met": targets_met},
        "unlabelled_types_predicted": {t: n_pred[t] for t in sorted(PII_TYPES - set(STRUCTURED))},
        "false_positives_on_other_gold_types": dict(fp_on_unscored.most_common()),
        "gold_types_not_detected": dict(
            Counter(s["type"] for item in items for s in item["spans"] if s["type"] not in TYPE_MAP).most_common()
        ),
        "latency_us": latency,
        "python": sys.version.split()[0],
        "phonenumbers": version("phonenumbers"),
    }


def main() -> None:
    """Parse arguments and print the benchmark result as one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="folder with the JSONL")
    args = parser.parse_args()
    print(json.dumps(run(args.data), indent=2))


if __name__ == "__main__":
    main()
