"""Reads one side of a comparison (a time range, or a dataset version's events) into a frame of signal columns.

Rows above the monitor's cap are sampled by a hash of the event id: the same events for the same range,
every time (a seeded sample that replays identically). Evaluations and feedback are attached per event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from telltale_server.schemas.store import Store
from telltale_server.streams.drift.signals import LABEL_SUFFIX, SCORE_PREFIX

FEEDBACK_DELAY = timedelta(days=7)
USER_TEXT = (
    "if(input_messages = '', input_text, arrayStringConcat(arrayMap(m -> JSONExtractString(m, 'content'), "
    "arrayFilter(m -> JSONExtractString(m, 'role') = 'user', JSONExtractArrayRaw(input_messages))), '\n'))"
)
SAMPLE = """
SELECT event_id FROM inference_events FINAL
WHERE project_id = {p:String} AND ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)} @EXTRA@
ORDER BY cityHash64(event_id) LIMIT {limit:UInt32}
"""
EVENTS = """
SELECT toString(event_id) AS event_id, ts, model, route, prompt_version, environment, app, provider, status,
       CAST(latency_ms AS Nullable(Float64)) AS latency_ms,
       CAST(input_tokens AS Nullable(Float64)) AS input_tokens,
       CAST(output_tokens AS Nullable(Float64)) AS output_tokens,
       CAST(cost AS Nullable(Float64)) AS cost,
       JSONExtractString(attributes, 'finish_reason') AS finish_reason,
       JSONExtractString(attributes, 'language') AS language,
       @USER_TEXT@ AS input, ifNull(output, '') AS output
FROM inference_events FINAL
WHERE project_id = {p:String} AND ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)}
  AND event_id IN (@SAMPLE@)
"""
EVALUATIONS = """
SELECT toString(event_id) AS event_id, evaluator, metric,
       argMax(value, created_at) AS value, argMax(label, created_at) AS label
FROM evaluations FINAL
WHERE project_id = {p:String} AND ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)}
  AND event_id IN (@SAMPLE@)
GROUP BY event_id, evaluator, metric
"""
FEEDBACK = """
SELECT toString(inference_id) AS event_id, toFloat64(max(negative)) AS negative,
       avgIf(1 + 4 * score, kind = 'rating') AS rating
FROM feedback_events FINAL
WHERE project_id = {p:String} AND ts >= {start:DateTime64(3)} AND ts < {feedback_end:DateTime64(3)}
  AND inference_id IS NOT NULL AND inference_id IN (@SAMPLE@)
GROUP BY inference_id
"""
DATASET_EVENTS = (
    "AND event_id IN (SELECT event_id FROM dataset_items FINAL WHERE project_id = {p:String} "
    "AND dataset_id = {dataset:String} AND version = {version:UInt32})"
)


@dataclass(frozen=True)
class Side:
    """What to read: a project's events in [start, end), optionally only a dataset version's events."""

    project_id: str
    start: datetime
    end: datetime
    dataset_id: str | None = None
    dataset_version: int | None = None


def read(store: Store, side: Side, limit: int) -> pd.DataFrame:
    """One row per event (at most `limit`, hash-sampled) with its signals, scores, labels and feedback."""
    params: dict[str, Any] = {"p": side.project_id, "start": side.start, "end": side.end, "limit": limit}
    sample = SAMPLE.replace("@EXTRA@", "")
    if side.dataset_id is not None:
        sample = SAMPLE.replace("@EXTRA@", DATASET_EVENTS)
        params |= {"dataset": side.dataset_id, "version": side.dataset_version}
    frame = _query(store, EVENTS.replace("@USER_TEXT@", USER_TEXT).replace("@SAMPLE@", sample), params)
    if frame.empty:
        return frame
    scores = _evaluations(_query(store, EVALUATIONS.replace("@SAMPLE@", sample), params))
    params["feedback_end"] = side.end + FEEDBACK_DELAY
    feedback = _query(store, FEEDBACK.replace("@SAMPLE@", sample), params)
    feedback = feedback.rename(columns={"negative": "feedback.negative", "rating": "feedback.rating"})
    for extra in (scores, feedback):
        if "event_id" in extra:
            frame = frame.merge(extra, on="event_id", how="left")
    if "priced_cost" in frame:  # the usage evaluator prices calls that did not report their cost
        frame["cost"] = frame["cost"].fillna(frame.pop("priced_cost"))
    for column in ("feedback.negative", "feedback.rating"):
        if column not in frame:
            frame[column] = float("nan")
    return frame


def _query(store: Store, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    frame = store.client().query_df(sql, parameters=params)
    for column in frame.columns:
        if str(frame[column].dtype) == "string":
            frame[column] = frame[column].astype(object)
    return frame


def _evaluations(rows: pd.DataFrame) -> pd.DataFrame:
    """Evaluation rows pivoted to one column per evaluator metric (its score) and one for its label.

    The usage evaluator contributes only its priced cost: its other metrics repeat the event's own columns."""
    if rows.empty:
        return pd.DataFrame({"event_id": pd.Series(dtype=object)})
    usage = rows["evaluator"] == "usage"
    cost = rows[usage & (rows["metric"] == "cost_usd")].set_index("event_id")["value"].rename("priced_cost")
    rows = rows[~usage].copy()
    rows.loc[rows["label"] == "error", ["value", "label"]] = [float("nan"), None]
    rows["signal"] = SCORE_PREFIX + rows["evaluator"] + "." + rows["metric"]
    values = rows.pivot_table(index="event_id", columns="signal", values="value", aggfunc="first", dropna=False)
    labels = rows.pivot_table(index="event_id", columns="signal", values="label", aggfunc="first", dropna=False)
    labels.columns = [f"{column}{LABEL_SUFFIX}" for column in labels.columns]
    return pd.concat([values, labels, cost], axis=1).reset_index(names="event_id")
