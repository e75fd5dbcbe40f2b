"""Rollups are exact: after re-sent events, re-evaluations, a replay and a backfill, every catalog metric read
through the rollups equals the same metric measured from raw rows, bucket by bucket, and re-sent rows change
nothing. The crash test (kill -9 of a real `telltale up`) is in test_rollups_crash.py."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from telltale_server.schemas.migrate import available
from telltale_server.schemas.store import Store
from telltale_server.services.metrics.catalog import Filters, Window, compute, compute_many
from telltale_server.services.runtime import Runtime
from telltale_server.streams.evaluators import registry
from telltale_server.streams.pipeline import Pipeline
from telltale_server.streams.replay import Replay
from telltale_server.streams.rollups import changes, tail
from telltale_server.streams.rollups.builder import RollupBuilder
from telltale_server.streams.sink import Sink
from tests.support.demo_store import fill_with_demo
from tests.support.rollups import MEASURED, _by_key, _same, mismatches, settled

END = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
START = END - timedelta(hours=1)


@pytest.fixture(scope="module")
def demo(runtime: Runtime) -> str:
    """An hour of demo calls with feedback, evaluated, rolled up; the tests below add repeats to it in turn."""
    project = f"rollups-{uuid.uuid4().hex[:8]}"
    fill_with_demo(runtime, project, 240, START + timedelta(seconds=5), END - timedelta(seconds=5))
    RollupBuilder(runtime.store).build_pending(project_id=project)
    return project


def values(runtime: Runtime, project: str) -> dict[str, list]:
    """Every measured metric per model and per 10-minute bucket, as the console and rules read them (values
    rounded: sums of floats may be added up in another order)."""
    window = Window(project, END, 3600, Filters(), ("model",), step=600)
    computed = compute_many(runtime.store, MEASURED, window)
    return {
        name: sorted((sorted(s.labels.items()), s.at, s.value and round(s.value, 9), s.samples) for s in samples)
        for name, samples in computed.items()
    }


def test_rollups_answer_settled_minutes_and_equal_raw_rows(runtime: Runtime, demo: str) -> None:
    assert settled(runtime.store, demo, START, END)
    rows = runtime.store.rows(
        "SELECT count() AS n FROM metric_rollups FINAL WHERE project_id = {p:String}", {"p": demo}
    )
    assert rows[0]["n"] >= 60
    assert mismatches(runtime.store, demo, START, END) == []
    [volume] = compute(runtime.store, "volume.count", Window(demo, END, 3600, Filters(), ()))
    assert volume.value == 240


def test_resent_events_evaluations_and_feedback_never_count_twice(runtime: Runtime, demo: str) -> None:
    store, p = runtime.store, {"p": demo}
    before = values(runtime, demo)
    store.command(
        "INSERT INTO inference_events SELECT * REPLACE (now64(6) AS received_at) FROM inference_events "
        "WHERE project_id = {p:String}",
        p,
    )
    store.command(
        "INSERT INTO evaluations SELECT * REPLACE (now64(3) AS created_at) FROM evaluations "
        "WHERE project_id = {p:String}",
        p,
    )
    store.command(
        "INSERT INTO feedback_events SELECT * REPLACE (now64(6) AS received_at) FROM feedback_events "
        "WHERE project_id = {p:String}",
        p,
    )
    assert not settled(store, demo, START, END), "the re-sent rows did not mark their minutes changed"
    assert mismatches(store, demo, START, END) == []
    assert values(runtime, demo) == before
    RollupBuilder(store).build_pending(project_id=demo)
    assert settled(store, demo, START, END)
    assert mismatches(store, demo, START, END) == []
    assert values(runtime, demo) == before


def test_a_resent_event_that_moved_group_and_a_changed_reevaluation_are_rebuilt(runtime: Runtime, demo: str) -> None:
    store, p = runtime.store, {"p": demo}
    store.command(
        "INSERT INTO inference_events SELECT * REPLACE (now64(6) AS received_at, 'moved-model' AS model) "
        "FROM inference_events FINAL WHERE project_id = {p:String} ORDER BY ts LIMIT 30",
        p,
    )
    store.command(
        "INSERT INTO evaluations SELECT * REPLACE (now64(3) + 1 AS created_at, if(label = 'grounded', 'ungrounded', "
        "'grounded') AS label, 1 - value AS value) FROM evaluations WHERE project_id = {p:String} "
        "AND evaluator = 'groundedness' ORDER BY ts LIMIT 40",
        p,
    )
    store.command(
        "INSERT INTO evaluations SELECT * REPLACE ('0.9' AS evaluator_version, now64(3) + 2 AS created_at, "
        "if(cityHash64(event_id) % 3 = 0, 'pii', label) AS label) FROM evaluations WHERE project_id = {p:String} "
        "AND evaluator = 'safety.pii'",
        p,
    )
    RollupBuilder(store).build_pending(project_id=demo)
    assert settled(store, demo, START, END)
    assert mismatches(store, demo, START, END) == []
    moved = compute(store, "volume.count", Window(demo, END, 3600, Filters(model=["moved-model"]), ()))
    assert moved[0].value == 30


def test_replay_rewrites_evaluations_and_the_rollups_follow(runtime: Runtime, demo: str) -> None:
    before = values(runtime, demo)
    pipeline = Pipeline(registry.build(runtime.settings, ("usage", "safety.pii")))
    replay = Replay(runtime.store, pipeline, Sink(runtime.store))
    assert replay.run(START) > 0
    assert not settled(runtime.store, demo, START, END)
    RollupBuilder(runtime.store).build_pending(project_id=demo)
    assert mismatches(runtime.store, demo, START, END) == []
    after = values(runtime, demo)
    assert after["volume.count"] == before["volume.count"]
    # the replay labels the moved calls' evaluations with their new model: the cost moves, its total stays
    assert sum(p[2] or 0 for p in after["cost.sum"]) == pytest.approx(sum(p[2] or 0 for p in before["cost.sum"]))


def test_backfill_shows_progress_resumes_and_is_safe_to_run_twice(runtime: Runtime, demo: str) -> None:
    store, p = runtime.store, {"p": demo}
    for table in ("rollup_changes", "rollup_minutes", "metric_rollups"):
        store.command(f"DELETE FROM {table} WHERE project_id = {{p:String}}", p)
    (rollups,) = [m for m in available() if m.name == "rollups"]
    [marking] = [s for s in rollups.statements() if s.startswith("INSERT")]
    store.command(marking)
    total = len(changes.pending(store, project_id=demo))
    assert total >= 60
    assert mismatches(store, demo, START, END) == [], "unbuilt minutes must read raw rows"
    seen: list[tuple[int, int]] = []
    calls = iter(range(2))
    builder = RollupBuilder(store)
    first = builder.build_pending(lambda done, of: seen.append((done, of)), lambda: next(calls, 1) == 1, demo)
    assert 0 < first < total and seen and seen[-1][0] == first
    assert mismatches(store, demo, START, END) == [], "a half-built backfill must still read exact numbers"
    assert builder.build_pending(project_id=demo) == total - first
    assert settled(store, demo, START, END)
    assert builder.build_pending(project_id=demo) == 0
    assert mismatches(store, demo, START, END) == []


def test_latency_percentiles_are_within_half_a_percent_of_numpy(runtime: Runtime, project: str) -> None:
    rng = np.random.default_rng(7)
    latencies = np.concatenate([rng.lognormal(6, 1, 2000), [0.0, 0.4, 120_000.0]])
    runtime.store.command(
        "INSERT INTO inference_events (project_id, event_id, ts, received_at, model, status, latency_ms, contexts, "
        "attributes) SELECT {p:String}, generateUUIDv4(number), {at:DateTime64(3)} + toIntervalMillisecond(number * "
        "1700), now64(6), 'm', 'ok', {l:Array(Float64)}[number + 1], '[]', '{}' FROM numbers({n:UInt32})",
        {"p": project, "at": START, "l": latencies.tolist(), "n": len(latencies)},
    )
    RollupBuilder(runtime.store).build_pending(project_id=project)
    window = Window(project, END, 3600, Filters(), ())
    for q in (0.5, 0.95, 0.99):
        [rolled] = compute(runtime.store, f"latency.p{round(q * 100)}", window)
        assert rolled.samples == len(latencies)
        assert rolled.value == pytest.approx(float(np.quantile(latencies, q)), rel=0.005)
    [single] = compute(runtime.store, "latency.p99", Window(project, START + timedelta(seconds=1), 1, Filters(), ()))
    assert single.value == latencies[0]


def test_a_pass_tail_measured_once_gives_every_window_the_raw_numbers(runtime: Runtime, demo: str) -> None:
    """An alert pass's raw tail (minutes not rolled up yet and the partial minute, measured once) read by windows
    starting on minutes equals raw rows; the table goes when the pass drops it, or when a sweep finds it stale."""
    store, now = runtime.store, END - timedelta(seconds=43)
    store.command(
        "INSERT INTO evaluations SELECT * REPLACE (now64(3) AS created_at) FROM evaluations "
        "WHERE project_id = {p:String} AND ts >= {a:DateTime64(3)} AND ts < {b:DateTime64(3)}",
        {"p": demo, "a": START + timedelta(minutes=20), "b": START + timedelta(minutes=23)},
    )
    made = tail.build(store, demo, START - timedelta(hours=24), now)
    assert len(made.unsettled) == 3
    try:
        for group_by, step in (((), None), (("model",), None), (("route",), 300)):
            window = Window(demo, now, (now - START).total_seconds(), Filters(), group_by, step, tail=made)
            from_tail = compute_many(store, MEASURED, window)
            from_raw = compute_many(store, MEASURED, replace(window, raw=True, tail=None))
            for name in MEASURED:
                assert _by_key(from_tail[name]).keys() == _by_key(from_raw[name]).keys(), name
                assert all(_same(a, _by_key(from_raw[name])[k]) for k, a in _by_key(from_tail[name]).items()), name
    finally:
        tail.drop(store, made)
    assert made.table not in store.column("SELECT name FROM system.tables WHERE database = currentDatabase()")
    left = tail.build(store, demo, START - timedelta(hours=24), now)
    assert tail.sweep(store) == [], "a tail of a running pass is not stale"
    assert left.table in tail.sweep(store, stale=timedelta(0))


def test_concurrent_chart_reads_share_one_tail_and_read_the_raw_numbers(runtime: Runtime, demo: str) -> None:
    """A page's chart requests over the same range measure the raw tail once (the others wait for it), read the same
    numbers as raw rows; a read over part of the range uses it too, and it is dropped once nobody read it for
    `keep_s`."""
    store, now = runtime.store, END - timedelta(seconds=17)
    shared = tail.SharedTails(store, keep_s=3600)
    start = START + timedelta(minutes=30)
    window = Window(demo, now, (now - start).total_seconds(), Filters(), ("model",), 300)
    barrier = threading.Barrier(6)

    def read(_: int) -> tuple[str, dict[str, list]]:
        barrier.wait()
        with shared.use(demo, start, now) as made:
            return made.table, compute_many(store, MEASURED, replace(window, tail=made))

    with ThreadPoolExecutor(6) as pool:
        reads = list(pool.map(read, range(6)))
    assert len({table for table, _ in reads}) == 1, "each read measured a tail of its own"
    from_raw = compute_many(store, MEASURED, replace(window, raw=True))
    for _, computed in reads:
        for name in MEASURED:
            assert _by_key(computed[name]).keys() == _by_key(from_raw[name]).keys(), name
            assert all(_same(a, _by_key(from_raw[name])[k]) for k, a in _by_key(computed[name]).items()), name
    kept = reads[0][0]
    with shared.use(demo, start, now) as again:
        assert again.table == kept, "a read a moment later reuses the kept tail"
    with shared.use(demo, start + timedelta(minutes=7), now) as inside:
        assert inside.table == kept, "a read starting later (the filter options) reuses the kept tail"
    with shared.use(demo, start - timedelta(minutes=1), now) as earlier:
        assert earlier.table != kept, "a tail from a later start was used for minutes it did not measure"
    shared.keep_s = 0
    with shared.use(demo, start, now + timedelta(seconds=1)) as later:
        assert later.table != kept
    assert kept not in _tables(store), "an expired tail was not dropped"
    shared.close()
    assert later.table not in _tables(store)


def _tables(store: Store) -> list[str]:
    return store.column("SELECT name FROM system.tables WHERE database = currentDatabase()")


def test_late_feedback_is_labelled_by_its_call_in_rollups_and_raw_rows(runtime: Runtime, demo: str) -> None:
    """Feedback given long after its call (past the recent calls looked at first), by inference id and by trace,
    counts with its call's model in the rollups and in raw rows alike."""
    store, given = runtime.store, END - timedelta(minutes=5)
    calls = store.rows(
        "SELECT event_id, trace_id, model FROM inference_events FINAL WHERE project_id = {p:String} "
        "AND ts < {until:DateTime64(3)} AND trace_id != '' ORDER BY ts LIMIT 18",
        {"p": demo, "until": START + timedelta(minutes=10)},
    )
    assert len(calls) == 18, "the demo's first minutes have traced calls"
    window = Window(demo, END, 3600, Filters(), ("model",))
    before = {s.labels["model"]: s.samples for s in compute(store, "feedback.negative_rate", window)}
    rows = [
        [demo, uuid.uuid4(), None if by_trace else call["event_id"], call["trace_id"] if by_trace else "", given]
        for index, call in enumerate(calls)
        for by_trace in [index % 3 == 0]
    ]
    store.client().insert(
        "feedback_events",
        [[*row, given, 1, "thumbs", "down", 0.0, 1, "user"] for row in rows],
        column_names=[
            "project_id",
            "event_id",
            "inference_id",
            "trace_id",
            "ts",
            "received_at",
            "schema_version",
            "kind",
            "value",
            "score",
            "negative",
            "source",
        ],
    )
    RollupBuilder(store).build_pending(project_id=demo)
    assert mismatches(store, demo, START, END) == []
    after = {s.labels["model"]: s.samples for s in compute(store, "feedback.negative_rate", window)}
    added = {model: after[model] - before.get(model, 0) for model in after}
    expected: dict[str, int] = {}
    for call in calls:
        first = store.rows(
            "SELECT model FROM inference_events FINAL WHERE project_id = {p:String} AND trace_id = {t:String} "
            "ORDER BY ts, event_id LIMIT 1",
            {"p": demo, "t": call["trace_id"]},
        )[0]["model"]
        model = first if calls.index(call) % 3 == 0 else call["model"]
        expected[model] = expected.get(model, 0) + 1
    assert {m: n for m, n in added.items() if n} == expected
