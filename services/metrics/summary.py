"""The traffic summary: volume, errors, latency percentiles, tokens, cost and feedback per group."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from telltale_server.schemas.store import Store
from telltale_server.services.metrics.catalog import CATALOG, Filters, Window
from telltale_server.services.metrics.measured import Measured, measured_sql

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
    feedback_count: int = Field(
        description="Feedback given in the range about the group's calls (feedback.negative_rate)."
    )
    negative_feedback_rate: float | None = Field(description="Share of feedback that is negative; null without any.")


class Summary(BaseModel):
    start: datetime
    end: datetime
    group_by: GroupBy | None
    rows: list[SummaryRow]


SUMMARY = (
    "error.rate",
    "latency.p50",
    "latency.p95",
    "latency.p99",
    "cost.sum",
    "feedback.negative_rate",
    "tokens.sum",
)
"""The catalog metrics a summary row shows, read side by side with the token counts."""
TOKENS = tuple(
    Measured(f"sum({column})", "sum(calls)", "sum(calls) > 0") for column in ("input_tokens", "output_tokens")
)


def summarize(store: Store, project_id: str, start: datetime, end: datetime, group_by: GroupBy | None) -> Summary:
    """The catalog's numbers for [start, end) per group, from the rollups (raw rows for the edges), one query."""
    window = Window(project_id, end, (end - start).total_seconds(), Filters(), (group_by,) if group_by else ())
    measured = [CATALOG[name].measured for name in SUMMARY]
    sql, params = measured_sql(store, [*(m for m in measured if m is not None), *TOKENS], window)
    rows = [row for row in store.rows(sql, params) if row["samples_0"]]
    rows.sort(key=lambda row: row[group_by] if group_by else "")
    return Summary(start=start, end=end, group_by=group_by, rows=[_row(row, group_by) for row in rows])


def _row(row: dict[str, Any], group_by: GroupBy | None) -> SummaryRow:
    """One group's columns; value_i / samples_i are the i-th of SUMMARY, then the input and output tokens."""

    def value(i: int) -> float | None:
        found = row[f"value_{i}"]
        return None if found is None or math.isnan(found) else float(found)

    p50, p95, p99 = value(1), value(2), value(3)
    latency = Latency(p50=p50, p95=p95, p99=p99) if None not in (p50, p95, p99) else None
    feedback = row["samples_5"]
    return SummaryRow(
        group=row[group_by] if group_by else None,
        count=row["samples_0"],
        error_rate=value(0) or 0.0,
        latency_ms=latency,
        input_tokens=int(row["value_7"]),
        output_tokens=int(row["value_8"]),
        total_tokens=int(row["value_6"]),
        cost_usd=value(4) or 0.0,
        feedback_count=feedback,
        negative_feedback_rate=value(5) if feedback else None,
    )
