"""The metric catalog: named, documented metrics over a time window, filtered and grouped by labels.

Alert rules and the API's metric queries both read metrics through `compute`, so a number on the
console and the number a rule fired on are the same number. Every metric reads deduplicated rows
(`FINAL`) of events whose time (`ts`) is in [end - window, end).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store
from telltale_server.streams.evaluators.usage import UsageEvaluator
from telltale_server.streams.runners.local import LocalRunner

Label = Literal["model", "route", "prompt_version", "environment"]
LABELS: tuple[Label, ...] = ("model", "route", "prompt_version", "environment")
VOLUME_LOOKBACK = timedelta(hours=24)
FEEDBACK_LOOKBACK = timedelta(days=7)


class Filters(BaseModel):
    """Which events count: each label must be one of the listed values; the event must carry every tag."""

    model: list[str] = Field(default_factory=list)
    route: list[str] = Field(default_factory=list)
    prompt_version: list[str] = Field(default_factory=list)
    environment: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list, description="The event must carry all of these tags.")


@dataclass(frozen=True)
class Sample:
    """One group's value over the window, and how many observations it rests on."""

    labels: dict[str, str]
    value: float | None
    samples: int
    at: datetime | None = None
    """The bucket's start when the window is split into steps."""


@dataclass(frozen=True)
class Window:
    """Where and what to compute: the project, the window's end and length, filters and group-by labels."""

    project_id: str
    end: datetime
    seconds: float
    filters: Filters
    group_by: tuple[Label, ...]
    step: int | None = None
    """Seconds per bucket: the metric per group and per bucket (charts) instead of over the whole window."""

    @property
    def start(self) -> datetime:
        return self.end - timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class Metric:
    """A catalog entry: its definition in words, its unit, and the query that computes it."""

    name: str
    unit: str
    description: str
    query: Callable[[Window], tuple[str, dict[str, Any]]]
    kind: Literal["rate", "level", "volume"] = "level"


def _where(window: Window, table_has_tags: bool, start: str = "start") -> str:
    """The window and filter conditions; tags live on inference_events only, so other tables look them up."""
    parts = [
        "project_id = {p:String}",
        f"ts >= {{{start}:DateTime64(3)}}",
        "ts < {end:DateTime64(3)}",
    ]
    parts += [f"{label} IN {{f_{label}:Array(String)}}" for label in LABELS if getattr(window.filters, label)]
    if window.filters.tags:
        if table_has_tags:
            parts.append("hasAll(tags, {f_tags:Array(String)})")
        else:
            parts.append(
                "event_id IN (SELECT event_id FROM inference_events WHERE project_id = {p:String} "
                "AND ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)} AND hasAll(tags, {f_tags:Array(String)}))"
            )
    return " AND ".join(parts)


def _params(window: Window, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"p": window.project_id, "start": window.start, "end": window.end, **extra}
    if window.step:
        params["step"] = window.step
    for name in (*LABELS, "tags"):
        if values := getattr(window.filters, name):
            params[f"f_{name}"] = values
    return params


def _grouped(window: Window, select: str, source: str) -> str:
    """`SELECT <labels>, <select> FROM <source> GROUP BY <labels>`; ungrouped it always returns one row.

    With a step, the bucket of the source's `ts` is one more key."""
    columns, keys = list(window.group_by), list(window.group_by)
    if window.step:
        columns.append("toStartOfInterval(ts, toIntervalSecond({step:UInt32})) AS bucket")
        keys.append("bucket")
    if not keys:
        return f"SELECT {select} FROM {source}"
    return f"SELECT {', '.join(columns)}, {select} FROM {source} GROUP BY {', '.join(keys)}"


def _events(value: str, samples: str = "count()") -> Callable[[Window], tuple[str, dict[str, Any]]]:
    """A metric aggregated straight from the inference events."""

    def query(window: Window) -> tuple[str, dict[str, Any]]:
        source = f"inference_events FINAL WHERE {_where(window, True)}"
        return _grouped(window, f"{value} AS value, {samples} AS samples", source), _params(window)

    return query


def _volume(window: Window) -> tuple[str, dict[str, Any]]:
    """Counts over a longer lookback so a group that went silent still shows up, with 0 (not per bucket)."""
    source = f"inference_events FINAL WHERE {_where(window, True, start='start' if window.step else 'lookback')}"
    select = "countIf(ts >= {start:DateTime64(3)}) AS value, count() AS samples"
    return _grouped(window, select, source), _params(window, lookback=window.start - VOLUME_LOOKBACK)


def _per_event(evaluator: str, metrics: tuple[str, ...], per_event: str, value: str) -> Callable[..., Any]:
    """A metric over evaluations, each event counted once whatever the number of its rows and versions."""

    def query(window: Window) -> tuple[str, dict[str, Any]]:
        keys = ", ".join(("event_id", *window.group_by, *(("ts",) if window.step else ())))
        inner = (
            f"(SELECT {keys}, {per_event} AS v FROM evaluations FINAL WHERE {_where(window, False)} "
            "AND evaluator = {evaluator:String} AND metric IN {metrics:Array(String)} AND label != 'error' "
            f"GROUP BY {keys})"
        )
        params = _params(window, evaluator=evaluator, metrics=list(metrics))
        return _grouped(window, f"{value} AS value, count() AS samples", inner), params

    return query


def _cost(window: Window) -> tuple[str, dict[str, Any]]:
    """The usage evaluator's cost, current version only (as the summary reads it)."""
    source = (
        f"evaluations FINAL WHERE {_where(window, False)} AND evaluator = 'usage' "
        "AND evaluator_version = {version:String} AND metric = 'cost_usd'"
    )
    return _grouped(window, "sum(value) AS value, count() AS samples", source), _params(
        window, version=UsageEvaluator.version
    )


def _feedback(value: str, samples: str) -> Callable[[Window], tuple[str, dict[str, Any]]]:
    """Feedback given in the window, labelled by the call it is about (calls of the last 7 days)."""

    def query(window: Window) -> tuple[str, dict[str, Any]]:
        calls = f"inference_events FINAL WHERE {_where(window, True, start='calls_from')}"
        given = "feedback_events FINAL WHERE project_id = {p:String} AND ts >= {start:DateTime64(3)} "
        given += "AND ts < {end:DateTime64(3)}"
        labels = ", ".join(f"i.{label} AS {label}" for label in LABELS)
        by_trace = ", ".join(f"i.t_{label} AS {label}" for label in LABELS)
        any_labels = ", ".join(f"any({label}) AS t_{label}" for label in LABELS)
        joined = (
            f"(SELECT f.ts AS ts, f.negative AS negative, f.score AS score, f.kind AS kind, {labels}"
            f" FROM (SELECT ts, inference_id, negative, score, kind FROM {given} AND inference_id IS NOT NULL) AS f"
            f" INNER JOIN (SELECT event_id, {', '.join(LABELS)} FROM {calls}) AS i ON f.inference_id = i.event_id"
            " UNION ALL"
            f" SELECT f.ts AS ts, f.negative AS negative, f.score AS score, f.kind AS kind, {by_trace}"
            f" FROM (SELECT ts, trace_id, negative, score, kind FROM {given} AND inference_id IS NULL) AS f"
            f" INNER JOIN (SELECT trace_id, {any_labels} FROM {calls} AND trace_id != '' GROUP BY trace_id) AS i"
            " ON f.trace_id = i.trace_id)"
        )
        params = _params(window, calls_from=window.start - FEEDBACK_LOOKBACK)
        return _grouped(window, f"{value} AS value, {samples} AS samples", joined), params

    return query


def _lag(window: Window) -> tuple[str, dict[str, Any]]:
    """Local mode's scoring lag: seconds since the oldest call after the runner's checkpoint was received,
    whatever its event time (a late call is late to be scored too); 0 when every call is scored."""
    conditions = ["project_id = {p:String}", f"received_at > ({_CHECKPOINT})"]
    conditions += [f"{label} IN {{f_{label}:Array(String)}}" for label in LABELS if getattr(window.filters, label)]
    if window.filters.tags:
        conditions.append("hasAll(tags, {f_tags:Array(String)})")
    source = f"inference_events WHERE {' AND '.join(conditions)}"
    select = "if(count() = 0, 0, greatest(0, dateDiff('millisecond', min(received_at), {end:DateTime64(3)})) / 1000)"
    return _grouped(window, f"{select} AS value, count() AS samples", source), _params(window)


_CHECKPOINT = f"SELECT max(position) FROM runner_checkpoints FINAL WHERE runner = '{LocalRunner.name}'"
"""The runner's saved position (the epoch before its first): what was received after it is not scored yet."""


def _latency(q: float) -> Metric:
    return Metric(
        f"latency.p{round(q * 100)}",
        "ms",
        f"The {round(q * 100)}th percentile of reported latency_ms, interpolated linearly between ranks; "
        "samples: calls that reported latency.",
        _events(f"quantileExactInclusive({q})(latency_ms)", "count(latency_ms)"),
    )


def _safety(name: str, evaluator: str, metrics: tuple[str, ...], hit: str, what: str) -> Metric:
    return Metric(
        name,
        "ratio",
        f"Share of evaluated calls where `{evaluator}` found {what} (label '{hit}') in any of "
        f"{'/'.join(metrics)}; each call counted once, rows of every evaluator version pooled; "
        "evaluator errors excluded.",
        _per_event(evaluator, metrics, f"max(label = '{hit}')", "avg(v)"),
        kind="rate",
    )


def _drift(
    select: str, samples: str, table: str, only: str = "", **extra: Any
) -> Callable[[Window], tuple[str, dict[str, Any]]]:
    """A metric over drift results of windows that closed in the rule's window, labelled by their segment.

    Grouped by a label, each segment of that field ('model=gpt-4o') is a group; ungrouped, the 'all'
    segment counts, or, when labels are filtered, the matching segments. Windows without a verdict
    (insufficient data, errors) are left out."""

    def query(window: Window) -> tuple[str, dict[str, Any]]:
        derived = ", ".join(
            f"if(segment LIKE '{label}=%', substring(segment, {len(label) + 2}), '') AS {label}" for label in LABELS
        )
        columns = "project_id, window_end AS ts, segment, status, n_current, share_drifted, score"
        columns = columns.replace(
            *(("score", "NULL AS score") if table == "drift_runs" else ("share_drifted", "NULL AS share_drifted"))
        )
        inner = (
            f"(SELECT {columns}, {derived}, CAST([] AS Array(String)) AS tags FROM {table} FINAL "
            f"WHERE project_id = {{p:String}} {only})"
        )
        if len(window.group_by) > 1:
            segments = "0 = 1"
        elif window.group_by:
            segments = f"segment LIKE '{window.group_by[0]}=%'"
        elif any(getattr(window.filters, label) for label in LABELS):
            segments = "segment != 'all'"
        else:
            segments = "segment = 'all'"
        source = f"{inner} WHERE {_where(window, True)} AND {segments} AND status IN ('ok', 'drift')"
        return _grouped(window, f"{select} AS value, {samples} AS samples", source), _params(window, **extra)

    return query


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
        _drift(
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


CATALOG: dict[str, Metric] = _Catalog(
    (metric.name, metric)
    for metric in (
        Metric(
            "volume.count",
            "calls",
            "Inference events in the window. Grouped, a group seen in the 24 h before the window but silent "
            "in it reports 0, so 'traffic stopped' can alert; samples: events in window + 24 h lookback.",
            _volume,
            kind="volume",
        ),
        Metric(
            "error.rate",
            "ratio",
            "Share of calls with status 'error'; samples: calls.",
            _events("countIf(status = 'error') / count()"),
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
            _cost,
        ),
        Metric(
            "tokens.sum",
            "tokens",
            "Sum of total_tokens reported by the calls; samples: calls reporting tokens.",
            _events("sum(total_tokens)", "count(total_tokens)"),
        ),
        Metric(
            "groundedness.mean",
            "score 0..1",
            "Mean groundedness score of calls with contexts (newest evaluation per call); samples: scored calls.",
            _per_event("groundedness", ("score",), "argMax(value, created_at)", "avg(v)"),
        ),
        Metric(
            "groundedness.ungrounded_rate",
            "ratio",
            "Share of scored calls whose newest groundedness label is 'ungrounded'; samples: scored calls.",
            _per_event("groundedness", ("score",), "argMax(label, created_at) = 'ungrounded'", "avg(v)"),
            kind="rate",
        ),
        _safety("safety.toxicity.rate", "safety.toxicity", ("output", "input"), "toxic", "toxic text"),
        _safety("safety.pii.rate", "safety.pii", ("output", "input"), "pii", "personal data"),
        _safety(
            "safety.injection.rate", "safety.prompt_injection", ("input", "contexts"), "injection", "prompt injection"
        ),
        Metric(
            "feedback.negative_rate",
            "ratio",
            "Share of feedback given in the window that is negative (thumbs down, rating <= 2, flag, correction), "
            "labelled by its call; samples: feedback items.",
            _feedback("avg(negative)", "count()"),
            kind="rate",
        ),
        Metric(
            "feedback.mean_rating",
            "rating 1..5",
            "Mean of the ratings given in the window; samples: ratings.",
            _feedback("avgIf(1 + 4 * score, kind = 'rating')", "countIf(kind = 'rating')"),
        ),
        Metric(
            "evaluation.lag_seconds",
            "seconds",
            "Local mode: seconds since the oldest call not scored yet was received (the evaluators' lag behind "
            "ingest; 0 when caught up), whatever the window; samples: calls waiting to be scored. On Kafka, "
            "the evaluate role's lag is Prometheus' telltale_evaluation_lag_seconds.",
            _lag,
        ),
        Metric(
            "drift.share",
            "ratio",
            "The largest share of drifted signals among the drift windows that closed in the rule's window "
            "(every monitor); grouped by a label, per segment of that field; samples: the window's current events.",
            _drift("max(share_drifted)", "max(n_current)", "drift_runs"),
        ),
        Metric(
            "drift.<signal>.score",
            "score",
            "Template: replace <signal> with a drift signal name (e.g. drift.latency_ms.score) for that signal's "
            "test statistic in the newest drift window that closed in the rule's window.",
            _drift("argMax(score, ts)", "argMax(n_current, ts)", "drift_signals", "AND 0 = 1"),
        ),
    )
)
"""The catalog: every metric a rule, the API or the console can name."""


def compute(store: Store, metric: str, window: Window) -> list[Sample]:
    """The metric's value per group over the window; an empty group has no row, a NaN value is None."""
    sql, params = CATALOG[metric].query(window)
    samples = []
    for row in store.rows(sql, params):
        value = row["value"]
        value = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        labels = {label: str(row[label]) for label in window.group_by}
        samples.append(Sample(labels=labels, value=value, samples=int(row["samples"] or 0), at=row.get("bucket")))
    return samples
