"""The traffic summary: volume, errors, latency percentiles, tokens, cost and feedback per group."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store
from telltale_server.streams.evaluators.usage import UsageEvaluator

GroupBy = Literal["model", "route", "prompt_version", "environment"]


class Latency(BaseModel):
    """Percentiles with linear interpolation between ranks (numpy's default, Excel's PERCENTILE.INC)."""

    p50: float
    p95: float
    p99: float


class SummaryRow(BaseModel):
    group: str | None = Field(description="The group's value; null for the total when not grouped.")
    count: int = Field(description="Inference events, each event_id counted once.")
    error_rate: float
    latency_ms: Latency | None = Field(description="Null when no event in the group reported latency.")
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_usd: float = Field(
        description="Reported cost, else priced from the model price table (usage evaluator); USD, never rounded: "
        "a cheap call costs e.g. 2.7e-05."
    )
    feedback_count: int
    negative_feedback_rate: float | None = Field(description="Share of feedback that is negative; null without any.")


class Summary(BaseModel):
    start: datetime
    end: datetime
    group_by: GroupBy | None
    rows: list[SummaryRow]


def summarize(store: Store, project_id: str, start: datetime, end: datetime, group_by: GroupBy | None) -> Summary:
    """Three deduplicated queries (events, cost, feedback) merged per group; events in [start, end)."""
    group = group_by or "''"
    params = {"p": project_id, "start": start, "end": end, "version": UsageEvaluator.version}
    in_window = "project_id = {p:String} AND ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)}"
    events = store.rows(
        f"SELECT {group} AS grp, count() AS count, countIf(status = 'error') AS errors, "
        "count(latency_ms) AS timed, quantilesExactInclusive(0.5, 0.95, 0.99)(latency_ms) AS latency, "
        "sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(total_tokens) AS total_tokens "
        f"FROM inference_events FINAL WHERE {in_window} GROUP BY grp ORDER BY grp",
        params,
    )
    costs = store.rows(
        f"SELECT {group} AS grp, sum(value) AS cost FROM evaluations FINAL WHERE {in_window} "
        "AND evaluator = 'usage' AND evaluator_version = {version:String} AND metric = 'cost_usd' GROUP BY grp",
        params,
    )
    feedback = store.rows(
        "SELECT grp, count() AS n, sum(negative) AS negative FROM ("
        f" SELECT i.grp AS grp, f.negative AS negative FROM (SELECT inference_id, negative FROM feedback_events FINAL"
        "  WHERE project_id = {p:String} AND inference_id IS NOT NULL) AS f"
        f" INNER JOIN (SELECT event_id, {group} AS grp FROM inference_events FINAL WHERE {in_window}) AS i"
        "  ON f.inference_id = i.event_id"
        " UNION ALL"
        " SELECT i.grp AS grp, f.negative AS negative FROM (SELECT trace_id, negative FROM feedback_events FINAL"
        "  WHERE project_id = {p:String} AND inference_id IS NULL) AS f"
        f" INNER JOIN (SELECT trace_id, any({group}) AS grp FROM inference_events FINAL WHERE {in_window}"
        "  AND trace_id != '' GROUP BY trace_id) AS i ON f.trace_id = i.trace_id"
        ") GROUP BY grp",
        params,
    )
    cost_by = {row["grp"]: row["cost"] for row in costs}
    feedback_by = {row["grp"]: row for row in feedback}
    rows = [_row(row, cost_by.get(row["grp"], 0.0), feedback_by.get(row["grp"]), group_by) for row in events]
    return Summary(start=start, end=end, group_by=group_by, rows=rows)


def _row(events: dict[str, Any], cost: float, feedback: dict[str, Any] | None, group_by: GroupBy | None) -> SummaryRow:
    p50, p95, p99 = events["latency"]
    latency = Latency(p50=p50, p95=p95, p99=p99) if events["timed"] and not math.isnan(p50) else None
    feedback_count = feedback["n"] if feedback else 0
    return SummaryRow(
        group=events["grp"] if group_by else None,
        count=events["count"],
        error_rate=events["errors"] / events["count"],
        latency_ms=latency,
        input_tokens=events["input_tokens"] or 0,
        output_tokens=events["output_tokens"] or 0,
        total_tokens=events["total_tokens"] or 0,
        cost_usd=cost or 0.0,
        feedback_count=feedback_count,
        negative_feedback_rate=feedback["negative"] / feedback_count if feedback else None,
    )
