"""Evidently's report with values chosen by an attacker: the embedded data stays data, and nothing is lost."""

from __future__ import annotations

import json
import random
import re

import pandas as pd
import pytest

from telltale_server.streams.drift.compute import compute_window
from telltale_server.streams.drift.report import UnsafeReportError, escape_data

HOSTILE = '</script><script>window.__pwned=1</script><!--<img src=x onerror="window.__pwned=2"> \u2028&amp;'
DATA_LINE = re.compile(r"^\s*var (?:additional_graphs_)?metric_[0-9a-f]{32} = (.*);$", re.MULTILINE)


def frame(n: int, hostile_share: float, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    return pd.DataFrame(
        {
            "model": [HOSTILE if rng.random() < hostile_share else "gpt-4o" for _ in range(n)],
            "route": [f"{HOSTILE}/route" for _ in range(n)],
            "latency_ms": [rng.lognormvariate(6, 0.3) for _ in range(n)],
        }
    )


@pytest.fixture(scope="module")
def page() -> str:
    """A real report over a window whose model and route values are script payloads."""
    config = {"signals": ["model", "route", "latency_ms"], "segments": [], "min_samples": 10}
    [result] = compute_window(frame(300, 0.7, 1), frame(300, 0.2, 2), config, seed=1)
    assert result.html is not None, result.error
    return result.html


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def test_the_report_has_only_evidentlys_own_scripts(page: str) -> None:
    assert len(re.findall(r"<script\b", page, re.I)) == 4 and len(re.findall(r"</script\b", page, re.I)) == 4
    assert "__pwned" not in DATA_LINE.sub("", page), "event values appear only inside the data lines"
    data = DATA_LINE.findall(page)
    assert len(data) == 2
    for line in data:
        assert not set(line) & set("<>&\u2028\u2029"), "markup characters in the data are JSON escapes"


def test_the_escaped_data_still_holds_every_value(page: str) -> None:
    values = [s for line in DATA_LINE.findall(page) for s in strings(json.loads(line))]
    assert HOSTILE in values and f"{HOSTILE}/route" in values


def test_escaping_is_idempotent_and_repairs_a_page_stored_before_it() -> None:
    data = json.dumps({"x": [HOSTILE]})
    old = (
        "<html><head><script>\n"
        f"    var metric_{'a' * 32} = {data};\n"
        f"    var additional_graphs_metric_{'a' * 32} = {{}};\n"
        "</script></head><body><script>var global = globalThis</script>"
        '<script src="/v1/drift/assets/evidently.js"></script><script>draw()</script></body></html>'
    )
    repaired = escape_data(old)
    assert escape_data(repaired) == repaired
    assert json.loads(DATA_LINE.findall(repaired)[0]) == {"x": [HOSTILE]}
    assert repaired.count("<script") == 4


def test_a_page_of_another_layout_is_refused() -> None:
    with pytest.raises(UnsafeReportError):
        escape_data("<html><script>var x = 1;</script></html>")
    with pytest.raises(UnsafeReportError):
        escape_data(f"<script>\nvar metric_{'b' * 32} = {{}};\n</script><script>alert(1)</script>")
