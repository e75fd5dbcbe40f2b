"""Evidently's drift report carrying Telltale's verdict and counts, never Evidently's own.

Evidently judges a dataset by the share of the columns it tested; Telltale's verdict also counts the embedding
signals (tested outside Evidently) and leaves out the signals with too few observations. Both on one page
disagreed (API: drift, 9 of 30 signals; report: "NOT detected", 8 of 28), so the page shows one verdict:
Telltale's, with every signal's result, in place of Evidently's dataset-level counters and tests. Evidently's
per-column table and its plots stay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telltale_server.streams.drift.compute import SegmentResult, SignalResult

VERDICTS = {"drift": "Drift", "ok": "No drift", "insufficient_data": "Insufficient data", "error": "Error"}
EVIDENTLY_VERDICT_LABELS = ("Dataset Drift", "Drifted Columns", "Share of Drifted Columns")
"""Labels of the counters with which Evidently's preset states its own dataset-level verdict and counts."""


def summary(result: SegmentResult) -> str:
    """One sentence: the verdict, the counts it rests on, and what was left out."""
    evaluated = result.evaluated
    drifted = sum(s.drifted for s in evaluated)
    left_out = len(result.signals) - len(evaluated)
    share = "no share" if result.share is None else f"share {result.share:.2f}"
    return (
        f"{drifted} of {len(evaluated)} signals drifted ({share}); the segment drifts when the share is "
        f"{result.drift_share:.2f} or more. {left_out} signal(s) with too few observations on either side have "
        "no verdict and are not counted. Embedding signals are tested outside the table below."
    )


def widgets(evidently: list[Any], tests: int, result: SegmentResult) -> list[Any]:
    """Telltale's verdict, counts and per-signal results first; Evidently's widgets without its own verdict."""
    from evidently.legacy.renderers.html_widgets import CounterData, counter, table_data

    evaluated = result.evaluated
    head = [
        counter(
            counters=[CounterData(summary(result), f"Telltale's verdict: {VERDICTS.get(result.status, result.status)}")]
        ),
        counter(
            counters=[
                CounterData("Signals with a verdict", str(len(evaluated))),
                CounterData("Drifted signals", str(sum(s.drifted for s in evaluated))),
                CounterData("Share drifted", "-" if result.share is None else f"{result.share:.3f}"),
                CounterData("Without a verdict (too few observations)", str(len(result.signals) - len(evaluated))),
            ]
        ),
        table_data(
            title="Every signal, as Telltale judged it",
            column_names=["Signal", "Kind", "Status", "Test", "Score", "Threshold", "Current n", "Reference n"],
            data=[_row(s) for s in sorted(result.signals, key=lambda s: (not s.drifted, s.status, s.signal))],
        ),
    ]
    kept = []
    for widget in evidently:
        if _states_a_verdict(widget):
            continue
        if widget.type == "big_table":
            widget.title = f"Evidently's test of each of the {tests} signals it ran"
        kept.append(widget)
    return head + kept


def html(snapshot: Any, result: SegmentResult) -> str:
    """The report page of one segment (Evidently's standalone HTML, library inlined: `report.prepare` strips it)."""
    from evidently.core.metric_types import render_widgets
    from evidently.legacy.renderers.html_widgets import group_widget

    tests = sum(1 for s in result.signals if s.kind != "embedding" and s.status in ("ok", "drift"))
    return render_widgets([group_widget(title="", widgets=widgets(snapshot._widgets, tests, result))])


def _states_a_verdict(widget: Any) -> bool:
    """Evidently's dataset-level verdict or counts (a counter widget), which Telltale's replace."""
    counters = (widget.params or {}).get("counters", []) if widget.type == "counter" else []
    return any(str(c.get("label", "")).startswith(EVIDENTLY_VERDICT_LABELS) for c in counters)


def _row(s: SignalResult) -> list[object]:
    test = s.test or "-"
    return [s.signal, s.kind, s.status, test, _number(s.score), _number(s.threshold), s.n_current, s.n_reference]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"
