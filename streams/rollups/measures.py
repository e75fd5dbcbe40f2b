"""The per-minute measures: what the rollups hold, defined once as SQL over deduplicated raw rows.

The rollup builder stores these rows for settled minutes; readers compute the very same rows from raw rows
for the minutes the rollups cannot answer yet (and a window's partial edge minutes). Both then merge rows by
each measure's merge function and apply a metric's final expression, so a rolled-up minute and a raw one are
the same number.
Every measure is a sum (or a min/max, or a map of sums) over the rows of its minute and labels, which is what
lets minutes be merged into any longer bucket.

Evaluation measures count each call once per evaluator whatever the number of its rows and versions; their
map keys are `evaluator` and `evaluator/metric` (calls with a usable evaluation), `evaluator:label` (calls with
that label on any metric and version), `evaluator/metric` (the newest usable value per call: sum and count),
`evaluator/metric:label` (the newest usable label per call), `evaluator/metric:0.7` (calls whose newest value
in [0, 1] rounds down to that tenth) and `evaluator/metric@version` (per row: sum of values, rows). Feedback is
counted in the minute it was given, with the labels of its call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LABELS = ("model", "route", "prompt_version", "environment")
KEYS = ("project_id", "minute", *LABELS)
FEEDBACK_LOOKBACK_S = 7 * 86400
"""Feedback is labelled by its call when the call is at most this much older than the feedback's minute."""
RECENT_S = 15 * 60
"""Feedback's calls are looked for among this much of the newest calls first (_lookups)."""
LATENCY_BINS_PER_E = 100
"""Latency bins: a value x counts in bin round(100 ln x), i.e. bins 1% wide on a log scale (0.5% from the centre)."""
ZERO_BIN = -32768


@dataclass(frozen=True)
class Measure:
    """One column of the rollup: its type, its value in a row that does not measure it, and how rows merge."""

    name: str
    type: str
    merge: str
    source: str
    """The raw table it is measured from: `calls`, `evaluations` or `feedback`."""

    @property
    def empty(self) -> str:
        if self.type.startswith("Map"):
            return f"CAST(map(), '{self.type}')"
        if self.type.startswith("Nullable"):
            return f"CAST(NULL, '{self.type}')"
        return f"CAST(0, '{self.type}')"


MEASURES = (
    Measure("calls", "UInt64", "sum", "calls"),
    Measure("errors", "UInt64", "sum", "calls"),
    Measure("timed", "UInt64", "sum", "calls"),
    Measure("latency_bins", "Map(Int16, UInt64)", "sumMap", "calls"),
    Measure("latency_min", "Nullable(Float64)", "min", "calls"),
    Measure("latency_max", "Nullable(Float64)", "max", "calls"),
    Measure("input_tokens", "UInt64", "sum", "calls"),
    Measure("output_tokens", "UInt64", "sum", "calls"),
    Measure("total_tokens", "UInt64", "sum", "calls"),
    Measure("tokened", "UInt64", "sum", "calls"),
    Measure("evaluated", "Map(String, UInt64)", "sumMap", "evaluations"),
    Measure("flagged", "Map(String, UInt64)", "sumMap", "evaluations"),
    Measure("newest_sum", "Map(String, Float64)", "sumMap", "evaluations"),
    Measure("newest_count", "Map(String, UInt64)", "sumMap", "evaluations"),
    Measure("newest_labels", "Map(String, UInt64)", "sumMap", "evaluations"),
    Measure("newest_deciles", "Map(String, UInt64)", "sumMap", "evaluations"),
    Measure("version_sum", "Map(String, Float64)", "sumMap", "evaluations"),
    Measure("version_count", "Map(String, UInt64)", "sumMap", "evaluations"),
    Measure("feedback", "UInt64", "sum", "feedback"),
    Measure("negative", "UInt64", "sum", "feedback"),
    Measure("ratings", "UInt64", "sum", "feedback"),
    Measure("rating_sum", "Float64", "sum", "feedback"),
)
COLUMNS = (*KEYS, *(measure.name for measure in MEASURES))
SOURCES = ("calls", "evaluations", "feedback")


def sources_of(*expressions: str) -> frozenset[str]:
    """The raw tables the expressions' measures come from: a raw read measures only those."""
    words = set(re.findall(r"\w+", " ".join(expressions)))
    return frozenset(m.source for m in MEASURES if m.name in words)


def merged() -> str:
    """Every measure merged over the grouped rows, named as itself (e.g. `sum(calls) AS calls`)."""
    return ", ".join(f"{m.merge}({m.name}) AS {m.name}" for m in MEASURES)


def latency_bin(value: str) -> str:
    """The latency bin of `value` (the zero bin for 0)."""
    scaled = f"least(32767, greatest(-32767, round({LATENCY_BINS_PER_E} * log({value}))))"
    return f"toInt16(if({value} > 0, {scaled}, {ZERO_BIN}))"


def _cast(value: str, type_: str) -> str:
    return f"CAST({value}, '{type_}')"


def _row(project_id: str, minute: str, labels: str, **measures: str) -> str:
    """A SELECT list in COLUMNS order: the given measures, every other one empty."""
    known = {m.name for m in MEASURES}
    unknown = set(measures) - known
    assert not unknown, f"not measures: {unknown}"
    values = [
        f"{f'CAST({measures[m.name]}, {chr(39)}{m.type}{chr(39)})' if m.name in measures else m.empty} AS {m.name}"
        for m in MEASURES
    ]
    return ", ".join([f"{project_id} AS project_id", f"{minute} AS minute", labels, *values])


def _calls(where: str) -> str:
    labels = ", ".join(LABELS)
    select = _row(
        "project_id",
        "toStartOfMinute(ts)",
        labels,
        calls="count()",
        errors="countIf(status = 'error')",
        timed="count(latency_ms)",
        latency_bins=f"sumMapIf(map({latency_bin('assumeNotNull(latency_ms)')}, toUInt64(1)), latency_ms IS NOT NULL)",
        latency_min="min(latency_ms)",
        latency_max="max(latency_ms)",
        input_tokens="sum(ifNull(e.input_tokens, 0))",
        output_tokens="sum(ifNull(e.output_tokens, 0))",
        total_tokens="sum(ifNull(e.total_tokens, 0))",
        tokened="count(e.total_tokens)",
    )
    return f"SELECT {select} FROM inference_events AS e FINAL WHERE {where} GROUP BY project_id, minute, {labels}"


def _evaluations(where: str) -> str:
    """Per call and evaluator (and metric) first, pooling versions, then as facts (which map, key, amount) summed
    per minute and labels and laid out as maps. Grouping plain columns first keeps the per-row work cheap.

    A call's evaluations carry the call's time and labels as they were when it was evaluated: per-call facts
    count with those of the call's newest evaluation by that evaluator (and metric), per-version sums with
    each row's own."""
    labels = ", ".join(LABELS)
    newest_labels = ", ".join(f"argMax({x}, created_at) AS {x}" for x in LABELS)
    em = "concat(evaluator, '/', metric)"
    per_metric = (
        f"SELECT project_id, toStartOfMinute(at) AS minute, {labels}, evaluator, metric, newest_label, "
        "if(newest BETWEEN 0 AND 1, toString(floor(assumeNotNull(newest), 1)), '') AS decile, "
        "countIf(usable) AS calls, sumIf(newest, usable AND newest IS NOT NULL) AS total, "
        "countIf(usable AND newest IS NOT NULL) AS valued FROM ("
        f"SELECT project_id, argMax(ts, created_at) AS at, {newest_labels}, evaluator, metric, "
        "countIf(label != 'error') > 0 AS usable, argMaxIf(value, created_at, label != 'error') AS newest, "
        "argMaxIf(label, created_at, label != 'error') AS newest_label "
        f"FROM evaluations FINAL WHERE {where} GROUP BY project_id, event_id, evaluator, metric) "
        f"GROUP BY project_id, minute, {labels}, evaluator, metric, newest_label, decile"
    )
    metric_facts = (
        f"SELECT project_id, minute, {labels}, fact.1 AS kind, fact.2 AS key, fact.3 AS amount FROM ({per_metric}) "
        f"ARRAY JOIN [('evaluated', {em}, toFloat64(calls)), ('newest_sum', {em}, total), "
        f"('newest_count', {em}, toFloat64(valued)), ('newest_labels', concat({em}, ':', newest_label), "
        f"toFloat64(calls)), ('newest_deciles', concat({em}, ':', decile), toFloat64(if(decile = '', 0, calls)))] "
        "AS fact WHERE fact.3 != 0"
    )
    per_evaluator = (
        f"SELECT project_id, toStartOfMinute(at) AS minute, {labels}, evaluator, "
        "if(entry = '', 'evaluated', 'flagged') AS kind, concat(evaluator, entry) AS key, toFloat64(count()) AS amount "
        f"FROM (SELECT project_id, argMax(ts, created_at) AS at, {newest_labels}, evaluator, "
        "arrayConcat(arrayMap(l -> concat(':', l), groupUniqArray(label)), if(countIf(label != 'error') > 0, [''], "
        f"[])) AS entries FROM evaluations FINAL WHERE {where} GROUP BY project_id, event_id, evaluator) "
        f"ARRAY JOIN entries AS entry GROUP BY project_id, minute, {labels}, evaluator, kind, key"
    )
    versions = (
        f"SELECT project_id, minute, {labels}, fact.1 AS kind, fact.2 AS key, fact.3 AS amount FROM ("
        f"SELECT project_id, toStartOfMinute(ts) AS minute, {labels}, concat({em}, '@', evaluator_version) AS version, "
        "sum(ifNull(value, 0)) AS total, count() AS rows_ "
        f"FROM evaluations FINAL WHERE {where} GROUP BY project_id, minute, {labels}, version) "
        "ARRAY JOIN [('version_sum', version, total), ('version_count', version, toFloat64(rows_))] AS fact"
    )
    facts = " UNION ALL ".join(
        (metric_facts, f"SELECT project_id, minute, {labels}, kind, key, amount FROM ({per_evaluator})", versions)
    )
    summed = (
        f"SELECT project_id, minute, {labels}, kind, key, sum(amount) AS amount FROM ({facts}) "
        f"GROUP BY project_id, minute, {labels}, kind, key"
    )

    def as_map(kind: str, counted: bool = True) -> str:
        amount = "toUInt64(amount)" if counted else "amount"
        return f"mapFromArrays(groupArrayIf(key, kind = '{kind}'), groupArrayIf({amount}, kind = '{kind}'))"

    select = _row(
        "project_id",
        "minute",
        labels,
        evaluated=as_map("evaluated"),
        flagged=as_map("flagged"),
        newest_sum=as_map("newest_sum", counted=False),
        newest_count=as_map("newest_count"),
        newest_labels=as_map("newest_labels"),
        newest_deciles=as_map("newest_deciles"),
        version_sum=as_map("version_sum", counted=False),
        version_count=as_map("version_count"),
    )
    return f"SELECT {select} FROM ({summed}) GROUP BY project_id, minute, {labels}"


def _feedback(where: str, lookups: tuple[str, ...]) -> str:
    """Feedback by the minute it was given, with its call's labels (by inference id, else the trace's first call).

    A call found by both lookups joins twice, which changes nothing: the join is grouped per feedback item."""
    given = (
        "SELECT project_id, event_id, ts, toStartOfMinute(ts) AS minute, negative, score, kind, "
        "if(inference_id IS NULL, concat('t:', trace_id), toString(inference_id)) AS call_key "
        f"FROM feedback_events FINAL WHERE {where} AND (inference_id IS NOT NULL OR trace_id != '')"
    )
    calls = " UNION ALL ".join(
        f"SELECT project_id, ts, event_id, {', '.join(LABELS)}, "
        "arrayJoin(arrayFilter(k -> k != '', [toString(event_id), if(trace_id = '', '', concat('t:', trace_id))])) "
        f"AS call_key FROM inference_events FINAL WHERE {lookup}"
        for lookup in lookups
    )
    joined = (
        f"SELECT f.project_id AS project_id, f.event_id AS fid, any(f.minute) AS minute, any(f.negative) AS negative, "
        "any(f.score) AS score, any(f.kind) AS kind, "
        f"argMin(({', '.join(f'c.{x}' for x in LABELS)}), (c.ts, c.event_id)) AS call "
        f"FROM ({given}) AS f INNER JOIN ({calls}) AS c ON f.project_id = c.project_id AND f.call_key = c.call_key "
        f"WHERE c.ts >= f.minute - toIntervalSecond({FEEDBACK_LOOKBACK_S}) AND c.ts < f.minute + toIntervalMinute(1) "
        "GROUP BY f.project_id, f.event_id"
    )
    label_list = ", ".join(f"call.{i + 1} AS {x}" for i, x in enumerate(LABELS))
    select = _row(
        "project_id",
        "minute",
        ", ".join(LABELS),
        feedback="count()",
        negative="sum(negative)",
        ratings="countIf(kind = 'rating')",
        rating_sum="sumIf(1 + 4 * ifNull(score, 0), kind = 'rating')",
    )
    return (
        f"SELECT {select} FROM (SELECT project_id, minute, negative, score, kind, {label_list} FROM ({joined})) "
        f"GROUP BY project_id, minute, {', '.join(LABELS)}"
    )


def _lookups(scope: RawScope, feedback_where: str) -> tuple[str, ...]:
    """Conditions on inference rows that find the calls of the scope's feedback: recent ones by id, the rest by id,
    and by trace.

    Feedback mostly comes minutes after its call, so a call named by id is looked for among the calls of the last
    RECENT_S first (a range of the sorting key: cheap); only the ids not found there, and the traces feedback names,
    are looked up over the whole lookback, where so few values let the bloom filter indexes skip nearly every
    granule. Each is a query of its own: an OR of two IN conditions would read every granule. A scan of seven days
    of calls per read is what this saves, and it would grow with the traffic."""
    by_id = (
        f"SELECT assumeNotNull(inference_id) FROM feedback_events WHERE {feedback_where} AND inference_id IS NOT NULL"
    )
    calls = f"project_id = {{p:String}} AND ts >= {scope.calls_from} AND ts < {scope.calls_to}"
    recent = f"project_id = {{p:String}} AND ({scope.recent}) AND event_id IN ({by_id})"
    late_ids = f"{by_id} AND inference_id NOT IN (SELECT event_id FROM inference_events WHERE {recent})"
    by_trace = (
        f"SELECT trace_id FROM feedback_events WHERE {feedback_where} AND inference_id IS NULL AND trace_id != ''"
    )
    lookups = (
        recent,
        f"{calls} AND event_id IN ({late_ids})",
        f"{calls} AND trace_id IN ({by_trace})",
    )
    return tuple(f"{lookup} AND {scope.tagged}" if scope.tagged else lookup for lookup in lookups)


@dataclass(frozen=True)
class RawScope:
    """Which raw rows to measure: a condition on each table's own `ts` (and project), and the calls to label
    feedback with (bounds that hold every call a measured feedback item may be about)."""

    where: str
    calls_from: str
    calls_to: str
    recent: str
    """A condition on `ts` that holds the calls of the RECENT_S before each measured range, up to a minute after it."""
    tagged: str = ""
    """A condition on inference rows (e.g. `hasAll(tags, ...)`) that the measured calls must meet; none if empty."""


def raw_measures(scope: RawScope, sources: frozenset[str] = frozenset(SOURCES)) -> str:
    """Measure rows computed from deduplicated raw rows of the scope, in COLUMNS order; measures of the tables
    not in `sources` are left empty (their rows are not read)."""
    calls_where = f"project_id = {{p:String}} AND {scope.where}"
    evaluations_where = calls_where
    feedback_where = f"project_id = {{p:String}} AND {scope.where}"
    if scope.tagged:
        calls_where += f" AND {scope.tagged}"
        evaluations_where += f" AND event_id IN (SELECT event_id FROM inference_events WHERE {calls_where})"
    branches = {
        "calls": lambda: _calls(calls_where),
        "evaluations": lambda: _evaluations(evaluations_where),
        "feedback": lambda: _feedback(feedback_where, _lookups(scope, feedback_where)),
    }
    return " UNION ALL ".join(branches[source]() for source in SOURCES if source in sources)
