"""`telltale migrate` rolls up what is not rolled up yet, and `telltale replay --rollups` rebuilds a range, as the
README shows them, on an embedded store that already holds events."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.server import ROOT, query_store

EVENTS = (
    "INSERT INTO inference_events (project_id, event_id, ts, received_at, model, status, latency_ms) "
    "SELECT 'cli', generateUUIDv4(number), toDateTime64('2026-01-05 10:00:00', 3) + toIntervalSecond(number * 7), "
    "now64(6), 'm', 'ok', 100 + number FROM numbers(60)"
)


def telltale(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "telltale_server.services.cli.main", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )


def test_migrate_backfills_and_replay_rebuilds_a_range(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert "applied" in telltale(data, "migrate").stdout
    script = (
        f"from telltale_server.schemas.store import Store; Store('chdb://{data / 'clickhouse'}').command({EVENTS!r})"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True)
    first = telltale(data, "migrate")
    assert "store is up to date" in first.stdout and "rolled up 7 minute(s)" in first.stdout
    assert "rollups [" in first.stderr and "7/7 minutes" in first.stderr
    assert "rollups are up to date" in telltale(data, "migrate").stdout
    rows = query_store(data, "SELECT sum(calls) AS n FROM metric_rollups FINAL WHERE project_id = 'cli'")
    assert rows[0]["n"] == 60

    replayed = telltale(data, "replay", "--rollups", "--from", "2026-01-05T10:02:00Z", "--to", "2026-01-05T10:04:00Z")
    assert "rebuilt the rollups of 2 minute(s) with rows (2 built)" in replayed.stdout
