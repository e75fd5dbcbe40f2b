"""Distinct titles for the answer-side schemas of models whose answer differs from their request."""

from __future__ import annotations

from typing import Any

OUTPUT = "-Output"


def distinct_titles(schema: dict[str, Any]) -> dict[str, Any]:
    """A model shown differently than it is sent (a channel's secret comes back masked) has two components,
    `X-Input` and `X-Output`, with one title; clients generated from the document name their classes by title,
    so the answer's is titled `XOutput` and each component becomes a class of its own."""
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        if name.endswith(OUTPUT) and "title" in component:
            component["title"] = f"{component['title']}Output"
    return schema
