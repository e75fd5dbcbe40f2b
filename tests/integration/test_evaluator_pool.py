"""Local mode's evaluator processes: the same rows as in-process scoring, crashes absorbed, overload sampled."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import orjson

from telltale_server.schemas.events import InferenceEvent
from telltale_server.schemas.settings import Settings
from telltale_server.services.demo.generator import DemoTraffic
from telltale_server.services.runtime import Runtime, open_local
from telltale_server.streams.evaluators import registry
from telltale_server.streams.evaluators.policy import EvaluatorPolicy, sampled
from telltale_server.streams.pipeline import ProjectEvent
from telltale_server.streams.runners.pool import EvaluatorPool, InProcess
from telltale_server.streams.runners.scoring import Scorer, Task
from tests.support.isolated import in_fresh_process
from tests.support.server import ROOT, TelltaleServer, query_store
from tests.support.waiting import wait_for


def _events(count: int, seed: int = 5) -> list[dict]:
    end = datetime.now(UTC)
    return [call.inference for call in DemoTraffic(seed=seed).calls(count, end - timedelta(hours=1), end)]


def _rows(scored: bytes) -> list[dict]:
    """Rows without their creation time, in a stable order."""
    rows = [{k: v for k, v in row.items() if k != "created_at"} for row in orjson.loads(scored)]
    return sorted(rows, key=lambda row: (row["event_id"], row["evaluator"], row["metric"]))


def _ingest(rt: Runtime, events: list[dict], per_request: int = 250) -> None:
    async def send() -> None:
        for start in range(0, len(events), per_request):
            body = orjson.dumps(events[start : start + per_request])
            await rt.ingest.ingest("main", "inference", body, "application/json")

    asyncio.run(send())


def test_workers_score_exactly_as_in_process() -> None:
    """The pool runs the one Pipeline: same rows, same policies (an evaluator off for a project, a route
    limit, a sample), whether the events pass through two worker processes or are scored here."""
    settings = Settings()
    names = registry.DEFAULT
    batch = [
        ProjectEvent("acme" if i % 3 else "beta", InferenceEvent.model_validate(e)) for i, e in enumerate(_events(90))
    ]
    policies = {
        "acme": {"safety.toxicity": EvaluatorPolicy(enabled=False), "groundedness": EvaluatorPolicy(sample_rate=0.5)},
        "beta": {"safety.pii": EvaluatorPolicy(routes=frozenset({"billing/explain"}))},
    }
    tasks = [Task(batch[i : i + 30], policies) for i in range(0, len(batch), 30)]
    here = InProcess(Scorer(registry.build(settings, names)))
    pool = EvaluatorPool(settings, names, size=2)
    try:
        futures = [pool.submit(task) for task in tasks]
        through_workers = [_rows(future.result(timeout=600).rows) for future in futures]
    finally:
        pool.close()
    in_process = [_rows(here.submit(task).result().rows) for task in tasks]
    assert through_workers == in_process
    evaluators = {(row["project_id"], row["evaluator"]) for rows in in_process for row in rows}
    assert ("acme", "safety.toxicity") not in evaluators and ("beta", "safety.toxicity") in evaluators
    assert {
        row["route"]
        for rows in in_process
        for row in rows
        if row["evaluator"] == "safety.pii" and row["project_id"] == "beta"
    } == {"billing/explain"}


def test_a_worker_killed_mid_chunk_is_replaced_and_the_chunk_scored_once(tmp_path: Path) -> None:
    in_fresh_process(_kill_a_busy_worker, tmp_path)


def _kill_a_busy_worker(tmp_path: Path) -> None:
    rt = open_local(Settings(data_dir=tmp_path / "data", evaluator_workers=2, drift_enabled=False))
    assert rt.runner is not None and isinstance(rt.runner.scoring, EvaluatorPool)
    pool = rt.runner.scoring
    events = _events(400)
    try:
        _ingest(rt, events)
        killed = None
        while killed is None:  # feed the workers until one is scoring a chunk, then kill it
            rt.runner.step()
            busy = pool.busy_pids()
            if busy:
                killed = busy[0]
                os.kill(killed, signal.SIGKILL)
        rt.runner.drain()
        assert pool.restarts == 1 and killed not in pool.pids()
        counts = rt.store.rows(
            "SELECT count() AS rows, uniqExact(event_id, evaluator, metric) AS distinct_rows, "
            "uniqExact(event_id) AS events, countIf(evaluator = 'usage' AND metric = 'error') AS usage FROM evaluations"
        )[0]
    finally:
        rt.close()
    assert counts["rows"] == counts["distinct_rows"]  # nothing written twice: the killed chunk was scored once
    assert counts["events"] == counts["usage"] == len(events)


def test_overload_samples_by_event_id_and_the_backfill_scores_the_rest(tmp_path: Path) -> None:
    """Past the bound, `safety.pii` scores exactly the events its sample picks by id (so any replay picks the
    same), `usage` scores all; the rest are counted per evaluator and scored once the runner caught up."""
    in_fresh_process(_sample_then_backfill, tmp_path)


def _sample_then_backfill(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        evaluators=["usage", "safety.pii"],
        evaluator_workers=1,
        overload_policy="sample",
        overload_backlog=1,
        overload_sample_rate=0.3,
        overload_full=["usage"],
        drift_enabled=False,
    )
    events = _events(600)
    picked = {e["event_id"] for e in events if sampled(UUID(e["event_id"]), 0.3)}
    rt = open_local(settings)
    assert rt.runner is not None
    try:
        _ingest(rt, events)
        rt.runner.drain(backfill=False)
        scored = _scored_by(rt)
        assert scored["usage"] == {e["event_id"] for e in events}
        assert scored["safety.pii"] == picked and 0 < len(picked) < len(events)
        assert rt.runner.status()["unscored"] == {"safety.pii": len(events) - len(picked)}

        rt.runner.overload.bound = 10**9  # the load dropped: the runner backfills once it is caught up
        rt.runner.drain()
        assert _scored_by(rt)["safety.pii"] == {e["event_id"] for e in events}
        assert rt.runner.status()["unscored"] == {}
        rows = rt.store.rows(
            "SELECT count() AS n, uniqExact(event_id, metric) AS d FROM evaluations WHERE evaluator = 'safety.pii'"
        )[0]
        assert rows["n"] == rows["d"]  # the backfill scored only what the sample had skipped
    finally:
        rt.close()


def test_replay_scores_what_the_overload_sample_skipped(tmp_path: Path) -> None:
    in_fresh_process(_sample_then_replay, tmp_path)


def _sample_then_replay(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rt = open_local(
        Settings(
            data_dir=data,
            evaluators=["usage", "safety.pii"],
            evaluator_workers=0,
            overload_policy="sample",
            overload_backlog=1,
            overload_sample_rate=0.2,
            drift_enabled=False,
        )
    )
    events = _events(300, seed=8)
    try:
        _ingest(rt, events)
        rt.runner.drain(backfill=False)
        skipped = rt.runner.status()["unscored"]
        assert skipped["safety.pii"] > 0
    finally:
        rt.close()
    out = subprocess.run(
        [sys.executable, "-m", "telltale_server.services.cli.main", "replay", "--skipped", "--data-dir", str(data)],
        cwd=ROOT,
        env={**os.environ, "TELLTALE_EVALUATORS": '["usage", "safety.pii"]'},
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"safety.pii {skipped['safety.pii']}" in out.stdout
    rt = open_local(Settings(data_dir=data, evaluators=["usage", "safety.pii"], evaluator_workers=0), with_runner=False)
    try:
        found = rt.store.rows("SELECT evaluator, uniqExact(event_id) AS n FROM evaluations GROUP BY evaluator")
        open_gaps = rt.store.rows("SELECT count() AS n FROM evaluation_gaps FINAL WHERE filled = 0")[0]["n"]
    finally:
        rt.close()
    assert {row["evaluator"]: row["n"] for row in found} == {"usage": len(events), "safety.pii": len(events)}
    assert open_gaps == 0


def _scored_by(rt: Runtime) -> dict[str, set[str]]:
    rows = rt.store.rows("SELECT DISTINCT evaluator, toString(event_id) AS id FROM evaluations")
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["evaluator"], set()).add(row["id"])
    return found


def test_ctrl_c_with_a_backlog_stops_quietly_and_the_restart_loses_nothing(tmp_path: Path) -> None:
    """#18: Ctrl-C on `telltale up --demo` while scoring is behind: it stops, prints no traceback (not from
    the evaluator processes, not from the demo thread), and the next start scores what was left, once."""
    server = TelltaleServer(tmp_path / "data", args=("--demo", "--demo-events", "800")).start()
    wait_for(
        lambda: (runner := server.runner())["processed"] > 0 and runner["backlog"] > 200,
        "some events scored and many not",
        progress=server.progress,
    )
    assert server.interrupt(timeout_s=120) in (0, 130)
    output = server.log_path.read_text()
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output[-3000:]
    assert "server unavailable" not in output

    server.args, server.env = (), {"TELLTALE_EVALUATORS": '["usage"]'}  # what is left is counted, quickly
    server.start()
    server.wait_processed()
    server.stop()
    counts = query_store(
        server.data_dir,
        "SELECT (SELECT count() FROM inference_events FINAL) AS events, "
        "(SELECT count() FROM evaluations FINAL WHERE evaluator = 'usage' AND metric = 'error') AS scored, "
        "(SELECT uniqExact(event_id) FROM evaluations WHERE evaluator = 'usage') AS distinct_scored",
    )[0]
    assert counts["events"] > 0
    assert counts["scored"] == counts["distinct_scored"] == counts["events"]
