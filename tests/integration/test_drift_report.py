"""A drift window's report states Telltale's verdict and counts, the same as the API's, never Evidently's own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import orjson

from telltale_server.services.runtime import Runtime
from telltale_server.streams.drift import frames
from telltale_server.streams.drift.compute import SegmentResult, compute_window
from telltale_server.streams.drift.config import MonitorConfig
from telltale_server.streams.drift.windows import floor
from tests.support import drift as gen

HOUR = timedelta(hours=1)


def _window(runtime: Runtime, project: str, shift: gen.Shift, drift_share: float) -> SegmentResult:
    """One hour of model B's traffic against the hour before, `shift` applied to the second."""
    t0 = floor(datetime.now(UTC), 3600) - 6 * HOUR
    gen.store_events(runtime.store, project, gen.events(2400, t0, t0 + HOUR, seed=1), seed=1)
    gen.store_events(runtime.store, project, gen.events(2400, t0 + HOUR, t0 + 2 * HOUR, seed=2, shift=shift), seed=2)
    reference = frames.read(runtime.store, frames.Side(project, t0, t0 + HOUR), 50_000)
    current = frames.read(runtime.store, frames.Side(project, t0 + HOUR, t0 + 2 * HOUR), 50_000)
    config = MonitorConfig(segments=["model"], drift_share=drift_share).model_dump(mode="json")
    return {r.segment: r for r in compute_window(current, reference, config, seed=3)}["model=model-b"]


def _texts(html: str) -> str:
    """Every string of the widgets Evidently's page draws (they travel as JSON inside its script)."""
    return " | ".join(re.findall(r'"(?:label|value|title)":\s*"([^"]*)"', html))


def test_a_verdict_carried_by_an_embedding_is_the_reports_verdict_too(runtime: Runtime, project: str) -> None:
    """New topics move only the input embedding, which Evidently's table does not test: Evidently alone would
    say "NOT detected", 0 of its columns; Telltale counts the embedding and says drift."""
    result = _window(runtime, project, gen.Shift(new_topics=True), drift_share=0.05)
    drifted = [s.signal for s in result.evaluated if s.drifted]
    assert drifted == ["input.embedding"] and result.status == "drift"

    assert result.html is not None
    texts = _texts(result.html)
    n, share = len(result.evaluated), result.share
    assert f"1 of {n} signals drifted (share {share:.2f})" in texts
    assert "Telltale's verdict: Drift |" in texts and "No drift" not in texts
    assert "Dataset Drift" not in texts and "NOT detected" not in texts and "Drifted Columns" not in texts
    assert "Share of Drifted Columns" not in result.html
    tested = sum(1 for s in result.evaluated if s.kind != "embedding")
    assert f"Evidently's test of each of the {tested} signals it ran" in texts


def test_the_report_counts_what_the_api_counts(runtime: Runtime, project: str) -> None:
    result = _window(runtime, project, gen.Shift(latency=True, longer_answers=True), drift_share=0.3)
    assert result.status == "drift" and result.html is not None
    counters = dict(re.findall(r'"value":\s*"([^"]*)",\s*"label":\s*"([^"]*)"', result.html))
    by_label = {label: value for value, label in counters.items()}
    assert by_label["Signals with a verdict"] == str(len(result.evaluated))
    assert by_label["Drifted signals"] == str(sum(s.drifted for s in result.evaluated))
    assert by_label["Share drifted"] == f"{result.share:.3f}"
    assert by_label["Without a verdict (too few observations)"] == str(len(result.signals) - len(result.evaluated))
    rows = re.search(r'"header":\s*(\[[^\]]*\]),\s*"data":\s*(\[\[.*?\]\])', result.html)
    assert rows is not None
    table = orjson.loads(rows.group(2))
    assert {row[0]: row[2] for row in table} == {s.signal: s.status for s in result.signals}
