"""The metric catalog: named, documented metrics over a time window, filtered and grouped by labels.

Alert rules, the API's metric queries, the console's series and the summary all read metrics through this
catalog, so a number on the console and the number a rule fired on are the same number. Each metric is said
once, as final expressions over the per-minute measures (streams/rollups/measures.py): settled minutes come
from the rollups, the window's partial edge minutes and minutes not rolled up yet from raw deduplicated rows
measured the same way. Events count when their time (`ts`) is in [end - window, end).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from telltale_server.schemas.store import Store
from telltale_server.services.metrics.disparity.metric import ratios
from telltale_server.services.metrics.drift_metrics import drift_query
from telltale_server.services.metrics.measured import Measured, measured_sql, quantile
from telltale_server.services.metrics.metric_window import LABELS, Filters, Label, Sample, Window
from telltale_server.streams.evaluators.usage import UsageEvaluator
from telltale_server.streams.runners.local import LocalRunner

__all__ = ["CATALOG", "LABELS", "Filters", "Label", "Metric", "Sample", "Window", "compute", "compute_many"]
VOLUME_LOOKBACK = timedelta(hours=24)


@dataclass(frozen=True)
class Metric:
    """A catalog entry: its definition in words, its unit, and how it is computed from the measures.

    Drift metrics read the drift results (already one row per window and segment) through `query` instead;
    disparity metrics split a rate by segment through `computed`."""

    name: str
    unit: str
    description: str
    measured: Measured | None = None
    kind: Literal["rate", "level", "volume"] = "level"
    query: Callable[[Window], tuple[str, dict[str, Any]]] | None = None
    computed: Callable[[Store, Window], list[Sample]] | None = None


def _calls(value: str, samples: str = "sum(calls)") -> Measured:
    """A metric of the calls themselves; a group exists where it has calls."""
    return Measured(value, samples, "sum(calls) > 0")


def _evaluated(key: str, value: str) -> Measured:
    """A metric over calls with a usable evaluation (`key`: an evaluator, or `evaluator/metric`)."""
    calls = f"sumMap(evaluated)['{key}']"
    return Measured(value.format(calls=calls), calls, f"{calls} > 0")


def _lag(window: Window) -> tuple[str, dict[str, Any]]:
    """Local mode's scoring lag: seconds since the oldest call after the runner's checkpoint was received,
    whatever its event time (a late call is late to be scored too); 0 when every call is scored."""
    conditions = ["project_id = {p:String}", f"received_at > ({_CHECKPOINT})"]
    conditions += [f"{label} IN {{f_{label}:Array(String)}}" for label in LABELS if getattr(window.filters, label)]
    if window.filters.tags:
        conditions.append("hasAll(tags, {f_tags:Array(String)})")
    source = f"inference_events WHERE {' AND '.join(conditions)}"
    select = "if(count() = 0, 0, greatest(0, dateDiff('millisecond', min(received_at), {end:DateTime64(3)})) / 1000)"
    return window.grouped(f"{select} AS value, count() AS samples", source), window.params()


_CHECKPOINT = f"SELECT max(position) FROM runner_checkpoints FINAL WHERE runner = '{LocalRunner.name}'"
"""The runner's saved position (the epoch before its first): what was received after it is not scored yet."""


def _latency(q: float) -> Metric:
    return Metric(
        f"latency.p{round(q * 100)}",
        "ms",
        f"The {round(q * 100)}th percentile of reported latency_ms, interpolated linearly between ranks, from "
        "latencies binned 1% wide on a log scale (within 0.5% of the exact percentile; exact for one call); "
        "samples: calls that reported latency.",
        _calls(quantile(q), "sum(timed)"),
    )


def _safety(name: str, evaluator: str, hit: str, what: str, parts: tuple[str, ...]) -> list[Metric]:
    """`name` over every part the evaluator reads, and `<name's prefix>.<part>.rate` for each part alone."""
    prefix = name.removesuffix(".rate")
    either = " or ".join(parts)
    pooled = Metric(
        name,
        "ratio",
        f"Share of evaluated calls where `{evaluator}` found {what} (label '{hit}') in any part it reads "
        f"({either}); each call counted once, rows of every evaluator version pooled; evaluator errors excluded.",
        _evaluated(evaluator, f"sumMap(flagged)['{evaluator}:{hit}'] / {{calls}}"),
        kind="rate",
    )
    return [pooled] + [
        Metric(
            f"{prefix}.{part}.rate",
            "ratio",
            f"Share of calls whose {part} `{evaluator}` evaluated and found {what} in (its newest label "
            f"'{hit}' on metric `{part}`, label `{evaluator}.{part}:{hit}`); samples: calls with the {part} evaluated.",
            _evaluated(f"{evaluator}/{part}", f"sumMap(newest_labels)['{evaluator}/{part}:{hit}'] / {{calls}}"),
            kind="rate",
        )
        for part in parts
    ]


def _retrieval() -> list[Metric]:
    """What the retriever handed the model: relevance, empty and duplicate retrievals (the `retrieval` evaluator),
    and which passages the answer used (the groundedness evaluator's `utilisation`, which matches claims to them)."""
    key = "retrieval/relevant_share"
    judged = f"sumMap(newest_count)['{key}']"
    relevant = Measured(f"sumMap(newest_sum)['{key}'] / {judged}", judged, f"{judged} > 0")
    irrelevant = Measured(f"sumMap(newest_labels)['{key}:irrelevant_context'] / {judged}", judged, f"{judged} > 0")
    used = "sumMap(newest_count)['groundedness/utilisation']"
    return [
        Metric(
            "retrieval.relevant_share",
            "ratio",
            "Mean share of a call's retrieved passages relevant to the user's question (newest `retrieval` "
            "evaluation per call); samples: calls with passages and a question.",
            relevant,
        ),
        Metric(
            "retrieval.irrelevant_rate",
            "ratio",
            "Share of calls none of whose retrieved passages is relevant to the user's question (label "
            "'irrelevant_context'); samples: calls with passages and a question.",
            irrelevant,
            kind="rate",
        ),
        Metric(
            "retrieval.empty_rate",
            "ratio",
            "Share of calls a retrieval fed that got no passage (label 'no_context': attribute telltale.retrieval "
            "'joined' and no contexts); samples: calls the `retrieval` evaluator judged.",
            _evaluated(key, f"sumMap(newest_labels)['{key}:no_context'] / {{calls}}"),
            kind="rate",
        ),
        Metric(
            "retrieval.duplicate_rate",
            "ratio",
            "Share of calls whose retrieved passages repeat one another (label 'duplicates'); samples: calls "
            "with passages.",
            _evaluated("retrieval/duplicates", "sumMap(newest_labels)['retrieval/duplicates:duplicates'] / {calls}"),
            kind="rate",
        ),
        Metric(
            "retrieval.utilisation",
            "ratio",
            "Mean share of a call's passages that at least one supported claim of the answer came from (the "
            "groundedness evaluator's `utilisation`); samples: answers with claims checked against passages.",
            Measured(f"sumMap(newest_sum)['groundedness/utilisation'] / {used}", used, f"{used} > 0"),
        ),
    ]


def _drift_score(name: str) -> Metric | None:
    """`drift.<signal>.score`, made on demand for any signal name a monitor reports."""
    signal = name.removeprefix("drift.").removesuffix(".score")
    if not (name.startswith("drift.") and name.endswith(".score") and re.fullmatch(r"[A-Za-z0-9_.:-]{1,120}", signal)):
        return None
    return Metric(
        name,
        "score",
        f"The drift test statistic of signal `{signal}` (a p-value or a distance, as its test defines) in "
        "the newest drift window that closed in the rule's window; samples: the window's current events.",
        query=drift_query(
            "argMax(score, ts)", "argMax(n_current, ts)", "drift_signals", "AND signal = {signal:String}", signal=signal
        ),
    )


class _Catalog(dict[str, Metric]):
    """The named metrics, plus a `drift.<signal>.score` for every drift signal, made on first use."""

    def __missing__(self, name: str) -> Metric:
        metric = _drift_score(name)
        if metric is None:
            raise KeyError(name)
        return metric

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name) or (isinstance(name, str) and _drift_score(name) is not None)


COST = f"'usage/cost_usd@{UsageEvaluator.version}'"
"""The cost measures' key: the usage evaluator's cost_usd rows of its current version."""

CATALOG: dict[str, Metric] = _Catalog(
    (metric.name, metric)
    for metric in (
        Metric(
            "volume.count",
            "calls",
            "Inference events in the window. Grouped, a group seen in the 24 h before the window but silent "
            "in it reports 0, so 'traffic stopped' can alert; samples: events in window + 24 h lookback.",
            Measured("sumIf(calls, part = 0)", "sum(calls)", "sum(calls) > 0", lookback=VOLUME_LOOKBACK),
            kind="volume",
        ),
        Metric(
            "error.rate",
            "ratio",
            "Share of calls with status 'error'; samples: calls.",
            _calls("sum(errors) / sum(calls)"),
            kind="rate",
        ),
        _latency(0.5),
        _latency(0.95),
        _latency(0.99),
        Metric(
            "cost.sum",
            "USD",
            "Sum of the usage evaluator's cost_usd (reported, else priced), current evaluator version; "
            "samples: calls with a known cost.",
            Measured(
                f"sumMap(version_sum)[{COST}]", f"sumMap(version_count)[{COST}]", f"sumMap(version_count)[{COST}] > 0"
            ),
        ),
        Metric(
            "tokens.sum",
            "tokens",
            "Sum of total_tokens reported by the calls; samples: calls reporting tokens.",
            _calls("sum(total_tokens)", "sum(tokened)"),
        ),
        Metric(
            "groundedness.mean",
            "score 0..1",
            "Mean groundedness score of calls with contexts (newest evaluation per call); samples: scored calls.",
            _evaluated(
                "groundedness/score",
                "sumMap(newest_sum)['groundedness/score'] / sumMap(newest_count)['groundedness/score']",
            ),
        ),
        Metric(
            "groundedness.ungrounded_rate",
            "ratio",
            "Share of scored calls whose newest groundedness label is 'ungrounded'; samples: scored calls.",
            _evaluated("groundedness/score", "sumMap(newest_labels)['groundedness/score:ungrounded'] / {calls}"),
            kind="rate",
        ),
        Metric(
            "groundedness.refusal_rate",
            "ratio",
            "Share of answered calls with contexts whose newest groundedness `refusal` label is 'refused' (the "
            "answer refused or deflected and claimed nothing); samples: calls with a refusal evaluation.",
            _evaluated("groundedness/refusal", "sumMap(newest_labels)['groundedness/refusal:refused'] / {calls}"),
            kind="rate",
        ),
        *_retrieval(),
        *_safety("safety.toxicity.rate", "safety.toxicity", "toxic", "toxic text", ("input", "output")),
        *_safety("safety.pii.rate", "safety.pii", "pii", "personal data", ("input", "output")),
        *_safety(
            "safety.injection.rate", "safety.prompt_injection", "injection", "prompt injection", ("input", "contexts")
        ),
        Metric(
            "feedback.negative_rate",
            "ratio",
            "Share of feedback given in the window that is negative (thumbs down, rating <= 2, flag, correction), "
            "labelled by its call (by inference id, else the trace's first call; calls up to 7 days older than "
            "the feedback); samples: feedback items.",
            Measured("sum(negative) / sum(feedback)", "sum(feedback)", "sum(feedback) > 0"),
            kind="rate",
        ),
        Metric(
            "feedback.mean_rating",
            "rating 1..5",
            "Mean of the ratings given in the window, labelled as feedback.negative_rate; samples: ratings.",
            Measured("sum(rating_sum) / sum(ratings)", "sum(ratings)", "sum(feedback) > 0"),
        ),
        Metric(
            "evaluation.lag_seconds",
            "seconds",
            "Local mode: seconds since the oldest call not scored yet was received (the evaluators' lag behind "
            "ingest; 0 when caught up), whatever the window; samples: calls waiting to be scored. On Kafka, "
            "the evaluate role's lag is Prometheus' telltale_evaluation_lag_seconds.",
            query=_lag,
        ),
        Metric(
            "drift.share",
            "ratio",
            "The largest share of drifted signals among the drift windows that closed in the rule's window "
            "(every monitor); grouped by a label, per segment of that field; samples: the window's current events.",
            query=drift_query("max(share_drifted)", "max(n_current)", "drift_runs"),
        ),
        Metric(
            "drift.<signal>.score",
            "score",
            "Template: replace <signal> with a drift signal name (e.g. drift.latency_ms.score) for that signal's "
            "test statistic in the newest drift window that closed in the rule's window.",
            query=drift_query("argMax(score, ts)", "argMax(n_current, ts)", "drift_signals", "AND 0 = 1"),
        ),
    )
)
"""The catalog: every metric a rule, the API or the console can name."""


def _disparity(rate: Metric) -> Metric:
    """`disparity.<rate>`: the rate of each segment of the traffic over the rest's, by the rate's own definition."""
    assert rate.measured is not None
    return Metric(
        f"disparity.{rate.name}",
        "ratio",
        f"Per segment of the traffic (the user's detected language, and each attribute the project watches: "
        f"GET /v1/disparity/settings), {rate.name} of the segment divided by {rate.name} of the rest of the "
        "traffic (null when the rest's is 0); grouped by `segment` (e.g. language=es), never by other labels; "
        "samples: the segment's. Read from raw rows. GET /v1/disparity adds intervals and verdicts.",
        computed=ratios(rate.measured),
    )


CATALOG.update((m.name, m) for m in [_disparity(m) for m in CATALOG.values() if m.kind == "rate"])


def compute(store: Store, metric: str, window: Window) -> list[Sample]:
    """The metric's value per group over the window; an empty group has no row, a NaN value is None."""
    return compute_many(store, [metric], window)[metric]


def compute_many(store: Store, metrics: list[str], window: Window) -> dict[str, list[Sample]]:
    """Several metrics over one window; those read from the same rows are computed side by side in one query."""
    found: dict[str, list[Sample]] = {}
    batches: dict[timedelta | None, list[str]] = {}
    for name in dict.fromkeys(metrics):
        measured = CATALOG[name].measured
        if (computed := CATALOG[name].computed) is not None:
            found[name] = computed(store, window)
        elif measured is None:
            query = CATALOG[name].query
            assert query is not None
            found[name] = _samples(store.rows(*query(window)), window, "", grouped=False)
        else:
            batches.setdefault(measured.lookback, []).append(name)
    for names in batches.values():
        together = [CATALOG[name].measured for name in names]
        rows = store.rows(*measured_sql(store, [m for m in together if m is not None], window))
        grouped = bool(window.group_by or window.step)
        for i, name in enumerate(names):
            found[name] = _samples(rows, window, f"_{i}", grouped)
    return found


def _samples(rows: list[dict[str, Any]], window: Window, suffix: str, grouped: bool) -> list[Sample]:
    """Rows as samples: NaN values are None; a group without anything to report (`present`) has no sample."""
    samples = []
    for row in rows:
        if grouped and not row[f"present{suffix}"]:
            continue
        value = row[f"value{suffix}"]
        value = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        labels: dict[str, str] = {label: str(row[label]) for label in window.group_by}
        samples.append(Sample(labels, value, int(row[f"samples{suffix}"] or 0), row.get("bucket")))
    return samples
