"""Every catalog metric read through the rollups against the same metric measured from raw rows only, bucket by
bucket. Run as a module to check a stopped server's store in a fresh process (chDB: one store per process):

    python -m tests.support.rollups DATA_DIR PROJECT FROM TO
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import replace
from datetime import datetime, timedelta

from telltale_server.schemas.store import Store
from telltale_server.services.metrics.catalog import CATALOG, Filters, Label, Sample, Window, compute, compute_many
from telltale_server.streams.rollups import changes

MEASURED = [name for name, metric in CATALOG.items() if metric.measured is not None]
SHAPES: list[tuple[tuple[Label, ...], int | None, bool]] = [
    ((), None, False),
    (("route", "prompt_version"), None, True),
    ((), 60, True),
    (("model",), 300, False),
]
"""Group-by labels, step and model filter of each comparison: whole windows, and buckets of one and five minutes."""


def mismatches(store: Store, project_id: str, start: datetime, end: datetime) -> list[str]:
    """Where a rolled-up metric differs from the raw one; windows with clock-aligned and with partial edges."""
    found = []
    models = sorted({s.labels["model"] for s in _read(store, "volume.count", project_id, start, end, ("model",))})
    for window_start, window_end in ((start, end), (start + timedelta(seconds=17), end - timedelta(seconds=43))):
        for group_by, step, filtered in SHAPES:
            filters = Filters(model=models[:1]) if filtered else Filters()
            seconds = (window_end - window_start).total_seconds()
            window = Window(project_id, window_end, seconds, filters, group_by, step)
            rolled_up = compute_many(store, MEASURED, window)
            from_raw = compute_many(store, MEASURED, replace(window, raw=True))
            for name in MEASURED:
                rolled, raw = _by_key(rolled_up[name]), _by_key(from_raw[name])
                shape = f"{name} {group_by} step={step} {filters}"
                if rolled.keys() != raw.keys():
                    found.append(f"{shape}: groups {sorted(rolled)} != {sorted(raw)}")
                    continue
                found += [
                    f"{shape} {key}: {rolled[key]} != {raw[key]}" for key in raw if not _same(rolled[key], raw[key])
                ]
    return found


def _read(store: Store, name: str, project_id: str, start: datetime, end: datetime, group_by: tuple) -> list[Sample]:
    return compute(store, name, Window(project_id, end, (end - start).total_seconds(), Filters(), group_by))


def _by_key(samples: list[Sample]) -> dict[tuple, Sample]:
    return {(tuple(sorted(s.labels.items())), s.at): s for s in samples}


def _same(a: Sample, b: Sample) -> bool:
    if a.samples != b.samples or (a.value is None) != (b.value is None):
        return False
    return a.value is None or b.value is None or math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-12)


def settled(store: Store, project_id: str, start: datetime, end: datetime) -> bool:
    """Whether the rollups answer every whole minute of the range (no raw fallback left but the edges)."""
    return not changes.unsettled(store, project_id, start, end)


if __name__ == "__main__":
    data_dir, project, first, last = sys.argv[1:5]
    checked = Store(f"chdb://{data_dir}/clickhouse")
    begin, finish = datetime.fromisoformat(first), datetime.fromisoformat(last)
    rows = checked.rows("SELECT count() AS n FROM metric_rollups FINAL WHERE project_id = {p:String}", {"p": project})
    print(
        json.dumps(
            {
                "mismatches": mismatches(checked, project, begin, finish),
                "settled": settled(checked, project, begin, finish),
                "rollup_rows": rows[0]["n"],
            }
        )
    )
