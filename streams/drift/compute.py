"""One window of one monitor: per segment, which signals drifted, by which test, and the Evidently report.

A pure function of two frames and a configuration. It runs in the drift worker process (see `pool.py`),
because importing Evidently costs seconds and hundreds of MB that the ingest process should not carry.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from telltale_server.streams.drift import embedding, verdict
from telltale_server.streams.drift.config import MonitorConfig
from telltale_server.streams.drift.report import prepare
from telltale_server.streams.drift.segments import Segment, split
from telltale_server.streams.drift.signals import Signal, watched

log = logging.getLogger(__name__)
Status = Literal["ok", "drift", "insufficient_data", "error"]
VALUE_DRIFT = "evidently:metric_v2:ValueDrift"
DESCRIPTORS = {"length": "TextLength", "words": "WordCount", "sentences": "SentenceCount"}


@dataclass(frozen=True)
class SignalResult:
    """One signal in one segment: the test, its score (p-value or distance, as the test defines), the verdict."""

    signal: str
    kind: str
    status: Status
    n_current: int
    n_reference: int
    test: str = ""
    score: float | None = None
    threshold: float | None = None

    @property
    def drifted(self) -> bool:
        return self.status == "drift"


@dataclass
class SegmentResult:
    """A segment's verdict: the share of evaluated signals that drifted, and each signal's result."""

    segment: str
    status: Status
    n_current: int
    n_reference: int
    drift_share: float
    signals: list[SignalResult] = field(default_factory=list)
    html: str | None = None
    error: str = ""

    @property
    def evaluated(self) -> list[SignalResult]:
        return [s for s in self.signals if s.status in ("ok", "drift")]

    @property
    def share(self) -> float | None:
        evaluated = self.evaluated
        return sum(s.drifted for s in evaluated) / len(evaluated) if evaluated else None


def compute_window(
    current: pd.DataFrame, reference: pd.DataFrame, config: dict[str, Any], seed: int
) -> list[SegmentResult]:
    """Every segment of one window (configuration as a dict so it crosses the process boundary as plain data)."""
    cfg = MonitorConfig.model_validate(config)
    with warnings.catch_warnings():
        for noise in (RuntimeWarning, FutureWarning, DeprecationWarning):  # numpy on constant columns, and
            warnings.simplefilter("ignore", noise)  # Evidently's pandas/pydantic deprecations: none actionable
        return [compute_segment(segment, cfg, seed) for segment in split(current, reference, cfg.segments, cfg.top_k)]


def compute_segment(segment: Segment, cfg: MonitorConfig, seed: int) -> SegmentResult:
    """Signals with too few observations on either side get 'insufficient_data', never a verdict."""
    cur, ref = segment.current, segment.reference
    result = SegmentResult(segment.key, "insufficient_data", len(cur), len(ref), cfg.drift_share)
    signals = watched(list(cur.columns), cfg.signals)
    ready: list[Signal] = []
    for signal in signals:
        n_cur, n_ref = _present(cur, signal), _present(ref, signal)
        if n_cur == 0 and n_ref == 0:
            continue
        if min(n_cur, n_ref) < cfg.min_samples:
            result.signals.append(SignalResult(signal.name, signal.kind, "insufficient_data", n_cur, n_ref))
        else:
            ready.append(signal)
    try:
        tabular = [s for s in ready if s.kind != "embedding"]
        snapshot = None
        if tabular:
            found, snapshot = _tabular(cur, ref, tabular, cfg)
            result.signals += found
        for signal in (s for s in ready if s.kind == "embedding"):
            result.signals.append(_embedding(cur, ref, signal, cfg, seed))
    except Exception as error:  # one broken segment must not hide the others' results
        log.exception("drift computation failed for segment %s", segment.key)
        result.status, result.error = "error", f"{type(error).__name__}: {error}"[:2000]
        return result
    share = result.share
    if share is not None:
        result.status = "drift" if share >= cfg.drift_share else "ok"
    if snapshot is not None:  # rendered once the verdict is known: the report states it
        result.html = _report(snapshot, result)
    return result


def _report(snapshot: Any, result: SegmentResult) -> str | None:
    """The report page; a page that fails to render leaves the verdict standing, without a report."""
    try:
        return prepare(verdict.html(snapshot, result))
    except Exception:
        log.exception("drift report failed to render for segment %s", result.segment)
        return None


def _present(frame: pd.DataFrame, signal: Signal) -> int:
    """Observations of a signal: non-null values, and for texts and categories non-empty ones."""
    if signal.column not in frame:
        return 0
    values = frame[signal.column].dropna()
    if signal.kind in ("numeric",):
        return len(values)
    return int((values.astype(str).str.strip() != "").sum())


def _tabular(
    cur: pd.DataFrame, ref: pd.DataFrame, signals: list[Signal], cfg: MonitorConfig
) -> tuple[list[SignalResult], Any]:
    """Numeric, categorical and text-descriptor signals through one Evidently DataDriftPreset report (and its run)."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    numeric = [s.name for s in signals if s.kind == "numeric"]
    categorical = [s.name for s in signals if s.kind == "categorical"]
    texts = sorted({s.column for s in signals if s.kind == "text"})
    definition = DataDefinition(
        numerical_columns=numeric, categorical_columns=categorical, text_columns=[f"text:{c}" for c in texts]
    )

    def dataset(frame: pd.DataFrame) -> Any:
        data = pd.DataFrame({s.name: frame[s.column] for s in signals if s.kind != "text"})
        for column in categorical:
            data[column] = data[column].where(data[column].notna(), None).astype(object)
        for column in texts:  # an empty text (a failed call's output) is None: Evidently measures it as 0
            text = frame[column].astype(object)
            data[f"text:{column}"] = text.where(text.notna() & (text != ""), None)
        return Dataset.from_pandas(data, data_definition=definition, descriptors=_descriptors(signals))

    overrides = {name: o for name, o in cfg.per_signal.items() if name in {s.name for s in signals}}
    preset = DataDriftPreset(
        columns=[s.name for s in signals],
        method=cfg.stattest,
        threshold=cfg.threshold,
        per_column_method={n: o.stattest for n, o in overrides.items() if o.stattest} or None,
        per_column_threshold={n: o.threshold for n, o in overrides.items() if o.threshold} or None,
        drift_share=cfg.drift_share,
    )
    snapshot = Report([preset], include_tests=True).run(current_data=dataset(cur), reference_data=dataset(ref))
    return _parse(snapshot.dict(), signals, cur, ref), snapshot


def _descriptors(signals: list[Signal]) -> list[Any]:
    """Evidently text descriptors that need no downloaded data (no NLTK corpora): lengths, counts, shares."""
    from evidently import descriptors

    made = []
    for signal in (s for s in signals if s.kind == "text"):
        measure = signal.name.split(".", 1)[1]
        make = getattr(descriptors, DESCRIPTORS.get(measure, "NonLetterCharacterPercentage"))
        made.append(make(f"text:{signal.column}", alias=signal.name))
    return made


def _parse(report: dict[str, Any], signals: list[Signal], cur: pd.DataFrame, ref: pd.DataFrame) -> list[SignalResult]:
    """Per-column ValueDrift metrics and their tests (a failed test is a drifted column)."""
    failed = {
        test["metric_config"]["metric_id"]
        for test in report["tests"]
        if test["status"] == "FAIL" and test["metric_config"]["params"].get("type") == VALUE_DRIFT
    }
    by_name = {s.name: s for s in signals}
    results = []
    for metric in report["metrics"]:
        config = metric["config"]
        if config.get("type") != VALUE_DRIFT or config["column"] not in by_name:
            continue
        signal = by_name[config["column"]]
        results.append(
            SignalResult(
                signal.name,
                signal.kind,
                "drift" if metric["id"] in failed else "ok",
                _present(cur, signal),
                _present(ref, signal),
                str(config.get("method") or ""),
                float(metric["value"]),
                float(config["threshold"]) if config.get("threshold") is not None else None,
            )
        )
    return results


def _embedding(cur: pd.DataFrame, ref: pd.DataFrame, signal: Signal, cfg: MonitorConfig, seed: int) -> SignalResult:
    cur_texts = embedding.texts_sample(cur[signal.column], cfg.embedding_rows, seed)
    ref_texts = embedding.texts_sample(ref[signal.column], cfg.embedding_rows, seed + 1)
    found = embedding.compare(embedding.embed(ref_texts), embedding.embed(cur_texts))
    status: Status = "drift" if found.drifted else "ok"
    return SignalResult(signal.name, signal.kind, status, len(cur_texts), len(ref_texts), found.method, found.score)
