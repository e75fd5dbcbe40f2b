"""Splits both sides of a comparison into segments: everything, then per field its K busiest values and the rest."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pandas as pd

ALL = "all"
OTHER = "(other)"


@dataclass(frozen=True)
class Segment:
    """A slice of traffic by one field's value (or 'all'); `key` is how results and alerts name it."""

    key: str
    current: pd.DataFrame
    reference: pd.DataFrame


def split(current: pd.DataFrame, reference: pd.DataFrame, fields: Sequence[str], top_k: int) -> Iterator[Segment]:
    """'all' first; per field, its top-K values by current volume, then the pooled rest when there is one.

    The values are chosen on the current window, so a value that appears only now is its own segment."""
    yield Segment(ALL, current, reference)
    for field in fields:
        if field not in current or current.empty:
            continue
        top = current[field].value_counts().head(top_k).index.tolist()
        for value in top:
            yield Segment(f"{field}={value}", current[current[field] == value], _rows(reference, field, value))
        rest = current[~current[field].isin(top)]
        if not rest.empty:
            ref_rest = reference[~reference[field].isin(top)] if field in reference else reference.iloc[0:0]
            yield Segment(f"{field}={OTHER}", rest, ref_rest)


def labels(key: str) -> dict[str, str]:
    """A segment key as alert labels: 'model=gpt-4o' -> {'model': 'gpt-4o'}; 'all' -> {}."""
    if key == ALL:
        return {}
    field, _, value = key.partition("=")
    return {field: value}


def _rows(frame: pd.DataFrame, field: str, value: str) -> pd.DataFrame:
    return frame[frame[field] == value] if field in frame else frame.iloc[0:0]
