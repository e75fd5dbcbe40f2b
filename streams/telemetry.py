"""Telltale's own Prometheus series, declared once for every role (the API serves them at /metrics, the
worker and alert processes on TELLTALE_METRICS_PORT); label values are small fixed sets, never ids or text."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from prometheus_client import Counter, Gauge, Histogram, start_http_server

INGEST_EVENTS = Counter(
    "telltale_ingest_events",
    "Events received by the ingest, by what became of them (accepted, duplicate, rejected into dead letters).",
    ["kind", "outcome"],
)
INGEST_REFUSED = Counter(
    "telltale_ingest_refused_requests",
    "Whole ingest requests refused, by reason (malformed, too_large, unsupported_media, log_unavailable).",
    ["kind", "reason"],
)
OTLP_SPANS = Counter(
    "telltale_otlp_spans",
    "Spans received over OTLP, by what became of them (call, held, retrieval, context, unknown, unmapped).",
    ["outcome"],
)
EVALUATED = Counter("telltale_evaluated_events", "Inference events run through the evaluators.", ["runner"])
EVALUATION_BACKLOG = Gauge(
    "telltale_evaluation_backlog_events", "Stored or published inference events not yet evaluated.", ["runner"]
)
EVALUATION_LAG = Gauge(
    "telltale_evaluation_lag_seconds", "Age of the oldest inference event not yet evaluated (0: caught up).", ["runner"]
)
SKIPPED = Counter(
    "telltale_evaluation_skipped_events",
    "Events an evaluator left unscored under the overload policy `sample` (scored later by the backfill).",
    ["evaluator"],
)
UNSCORED = Gauge(
    "telltale_evaluation_unscored_events",
    "Events an evaluator skipped under overload and has not backfilled yet.",
    ["evaluator"],
)
STORE_BATCH = Histogram(
    "telltale_store_batch_seconds",
    "Time to write one batch of rows to ClickHouse, by table.",
    ["table"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ALERT_DELIVERIES = Counter(
    "telltale_alert_deliveries",
    "Notification attempts by channel type and outcome (delivered; retrying and failed are failures).",
    ["channel_type", "outcome"],
)

DRIFT_WINDOWS = Counter(
    "telltale_drift_segments",
    "Drift results written (one per monitor, window and segment), by status (ok, drift, insufficient_data, error).",
    ["status"],
)
DRIFT_WINDOW = Histogram(
    "telltale_drift_window_seconds",
    "Time to compute one monitor's window, all its segments, from reading both sides to writing the results.",
    buckets=(0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0),
)

_REFUSAL_REASONS = {400: "malformed", 413: "too_large", 415: "unsupported_media", 503: "log_unavailable"}


def ingested(kind: str, accepted: int, duplicates: int, rejected: int) -> None:
    """Count one batch's items by outcome."""
    for outcome, count in (("accepted", accepted), ("duplicate", duplicates), ("rejected", rejected)):
        if count:
            INGEST_EVENTS.labels(kind, outcome).inc(count)


def otlp_spans(counts: dict[str, int]) -> None:
    """Count one export's spans by outcome; `unmapped` spans were kept as dead letters."""
    for outcome, count in counts.items():
        if count:
            OTLP_SPANS.labels(outcome).inc(count)


def refused(kind: str, status: int) -> None:
    """Count a request refused as a whole, named by its HTTP status."""
    INGEST_REFUSED.labels(kind, _REFUSAL_REASONS.get(status, f"http_{status}")).inc()


def evaluation_progress(runner: str, backlog: int, lag_s: float) -> None:
    """Where a runner stands: events still to evaluate and how old the oldest of them is."""
    EVALUATED.labels(runner)
    EVALUATION_BACKLOG.labels(runner).set(backlog)
    EVALUATION_LAG.labels(runner).set(max(0.0, lag_s) if backlog else 0.0)


def skipped(evaluator: str, count: int) -> None:
    """Count events an evaluator left to the backfill."""
    SKIPPED.labels(evaluator).inc(count)


def unscored(counts: dict[str, int], evaluators: Iterable[str]) -> None:
    """Events still waiting for each evaluator's backfill (0 for the others)."""
    for name in evaluators:
        UNSCORED.labels(name).set(counts.get(name, 0))


class KafkaEvent(Protocol):
    """What the evaluate role's faust events offer: the partition, offset and broker timestamp (seconds)."""

    @property
    def message(self) -> object: ...


def kafka_progress(runner: str, events: Iterable[KafkaEvent], highwater: Callable[[Any], int | None]) -> None:
    """A consumer's standing after a batch: records between it and the partitions' ends, and how far its
    slowest partition's last record is behind the wall clock."""
    last: dict[object, tuple[int, float]] = {}
    for event in events:
        message = event.message
        last[message.tp] = (message.offset, message.timestamp)  # type: ignore[attr-defined]  # faust's EventT types its message loosely; a consumed record has tp, offset and timestamp
    if not last:
        return
    backlog = 0
    for tp, (offset, _) in last.items():
        end = _safely(highwater, tp)
        backlog += max(0, (end if end is not None else offset + 1) - offset - 1)
    oldest = min(stamp for _, stamp in last.values())
    evaluation_progress(runner, backlog, time.time() - oldest)


def _safely(highwater: Callable[[object], int | None], tp: object) -> int | None:
    """A partition's end offset, or None: the consumer asserts the partition is still assigned, and a
    rebalance between the batch and this call must not stop evaluation for the sake of a metric."""
    try:
        return highwater(tp)
    except (AssertionError, KeyError):
        return None


@contextmanager
def store_batch(table: str) -> Iterator[None]:
    """Time one batch write to `table`."""
    with STORE_BATCH.labels(table).time():
        yield


def delivery(channel: str, outcome: str) -> None:
    """Count one notification attempt; `channel` is the safe description `index:type:host`."""
    parts = channel.split(":")
    ALERT_DELIVERIES.labels(parts[1] if len(parts) > 1 else "unknown", outcome).inc()


def drift_window(seconds: float, statuses: Iterable[str]) -> None:
    """Count one computed drift window's segment results, and time it."""
    DRIFT_WINDOW.observe(seconds)
    for status in statuses:
        DRIFT_WINDOWS.labels(status).inc()


def serve(port: int) -> None:
    """Expose /metrics on `port` from a daemon thread, for roles without an HTTP server (0: do not)."""
    if port:
        start_http_server(port)


def _declare() -> None:
    """Start every counter and histogram at zero, so dashboards and rate() see the series before the first event."""
    for kind in ("inference", "feedback"):
        for outcome in ("accepted", "duplicate", "rejected"):
            INGEST_EVENTS.labels(kind, outcome)
        for reason in _REFUSAL_REASONS.values():
            INGEST_REFUSED.labels(kind, reason)
    for table in ("inference_events", "feedback_events", "evaluations", "dead_letters"):
        STORE_BATCH.labels(table)
    for channel_type in ("webhook", "slack", "pagerduty"):
        for outcome in ("delivered", "retrying", "failed"):
            ALERT_DELIVERIES.labels(channel_type, outcome)


_declare()
