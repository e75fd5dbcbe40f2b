"""Segments of the traffic as SQL: the values a dimension takes in a window, and the condition on inference rows
that puts a call in one segment (its detected language, or one value of an attribute)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telltale_server.schemas.store import Store
from telltale_server.services.metrics.disparity.settings import LANGUAGE
from telltale_server.services.metrics.metric_window import LABELS, Window
from telltale_server.streams.evaluators.language import LanguageEvaluator
from telltale_server.streams.rollups.measures import FEEDBACK_LOOKBACK_S

TOP = 10
"""The busiest values of a dimension are its segments; the others stay in every segment's rest."""


def _language_of(where: str) -> str:
    """Each call's newest detected language, as `event_id, value`."""
    return (
        "SELECT event_id, argMax(label, created_at) AS value FROM evaluations FINAL "
        f"WHERE project_id = {{p:String}} AND evaluator = '{LanguageEvaluator.name}' AND metric = "
        f"'{LanguageEvaluator.metric}' AND label != 'error' AND {where} GROUP BY event_id"
    )


def _attribute(key: str) -> str:
    """An attribute's value as text (a number or a boolean as written), given the key's parameter name."""
    key = f"{{{key}:String}}"
    return (
        f"if(JSONType(attributes, {key}) = 'String', JSONExtractString(attributes, {key}), "
        f"JSONExtractRaw(attributes, {key}))"
    )


def values(store: Store, window: Window, dimension: str, top: int = TOP) -> list[str]:
    """The dimension's busiest values among the window's calls, busiest first."""
    filters = " ".join(
        f"AND {label} IN {{f_{label}:Array(String)}}" for label in LABELS if getattr(window.filters, label)
    )
    during = "ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)}"
    params = window.params(key=dimension, top=top)
    if dimension == LANGUAGE:
        source = f"({_language_of(f'{during} {filters}')})"
    else:
        tagged = "AND hasAll(tags, {f_tags:Array(String)})" if window.filters.tags else ""
        source = (
            f"(SELECT {_attribute('key')} AS value FROM inference_events FINAL WHERE project_id = {{p:String}} "
            f"AND {during} {filters} {tagged} AND JSONHas(attributes, {{key:String}}))"
        )
    sql = f"SELECT value, count() AS calls FROM {source} GROUP BY value ORDER BY calls DESC, value LIMIT {{top:UInt32}}"
    return [str(row["value"]) for row in store.rows(sql, params)]


def condition(window: Window, dimension: str, value: str, name: str) -> tuple[str, dict[str, Any]]:
    """The condition on inference rows that holds for the segment's calls, and its parameters (named after
    `name`, so several segments' conditions can share one query)."""
    params: dict[str, Any] = {f"{name}_v": value}
    if dimension != LANGUAGE:
        params[f"{name}_k"] = dimension
        return f"JSONHas(attributes, {{{name}_k:String}}) AND {_attribute(f'{name}_k')} = {{{name}_v:String}}", params
    params[f"{name}_a"] = window.start - timedelta(seconds=FEEDBACK_LOOKBACK_S)
    params[f"{name}_b"] = window.end + timedelta(minutes=1)
    during = f"ts >= {{{name}_a:DateTime64(3)}} AND ts < {{{name}_b:DateTime64(3)}}"
    return f"event_id IN (SELECT event_id FROM ({_language_of(during)}) WHERE value = {{{name}_v:String}})", params
