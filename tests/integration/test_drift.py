"""Drift on the real engine: shifted signals found in the right segments, no false alarms, catch-up, replay."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from telltale_server.schemas.events import InferenceEvent
from telltale_server.services.datasets.catalog import DatasetCatalog
from telltale_server.services.datasets.spec import DatasetSpec
from telltale_server.services.datasets.versions import freeze
from telltale_server.services.demo import monitor as demo_monitor
from telltale_server.services.demo.generator import DemoTraffic
from telltale_server.services.metrics.catalog import Filters, Window, compute
from telltale_server.services.runtime import Runtime
from telltale_server.streams.drift import frames
from telltale_server.streams.drift.compute import compute_window
from telltale_server.streams.drift.config import Monitor, MonitorConfig, Reference
from telltale_server.streams.drift.job import DriftJob
from telltale_server.streams.drift.monitors import StoredMonitors
from telltale_server.streams.drift.windows import floor
from tests.support import drift as gen

HOUR = timedelta(hours=1)
ALL_SHIFTS = gen.Shift(latency=True, errors=True, longer_answers=True, new_topics=True)
EXPECTED_IN_B = {
    "latency_ms",  # numeric
    "status",  # categorical
    "output.length",  # text descriptors of the longer answers
    "output.words",
    "output.sentences",
    "output.non_letter",
    "input.embedding",  # new topics, same lengths
}


@pytest.fixture
def t0() -> datetime:
    """The start of a closed hour well in the past, so every window used here is closed."""
    return floor(datetime.now(UTC), 3600) - 10 * HOUR


@pytest.fixture
def job(runtime: Runtime) -> Iterator[DriftJob]:
    made = DriftJob(runtime.store)
    yield made
    made.pool.close()


def _signals(runtime: Runtime, project: str, start: datetime) -> dict[str, dict[str, str]]:
    rows = runtime.store.rows(
        "SELECT segment, signal, status FROM drift_signals FINAL WHERE project_id = {p:String} "
        "AND window_start = {w:DateTime64(3)}",
        {"p": project, "w": start},
    )
    found: dict[str, dict[str, str]] = {}
    for row in rows:
        found.setdefault(row["segment"], {})[row["signal"]] = row["status"]
    return found


def _runs(runtime: Runtime, project: str) -> list[dict]:
    return runtime.store.rows(
        "SELECT window_start, segment, status, share_drifted, computed_at FROM drift_runs FINAL "
        "WHERE project_id = {p:String} ORDER BY window_start, segment",
        {"p": project},
    )


def test_drift_is_found_on_exactly_the_shifted_signals_and_segments(
    runtime: Runtime, project: str, t0: datetime, job: DriftJob
) -> None:
    gen.store_events(runtime.store, project, gen.events(2400, t0, t0 + HOUR, seed=1), seed=1)
    shifted = gen.events(2400, t0 + HOUR, t0 + 2 * HOUR, seed=2, shift=ALL_SHIFTS)
    gen.store_events(runtime.store, project, shifted, seed=2)
    config = MonitorConfig(reference={"windows": 1}, segments=["model"], settle_s=0)
    StoredMonitors(runtime.store).put(project, "default", config)

    assert asyncio.run(job.tick(only={project})) == 10  # from the first event's hour to the last closed one

    signals = _signals(runtime, project, t0 + HOUR)
    drifted = {segment: {s for s, status in found.items() if status == "drift"} for segment, found in signals.items()}
    assert drifted["model=model-b"] == EXPECTED_IN_B
    assert drifted["model=model-a"] == set()
    assert drifted["all"] <= EXPECTED_IN_B
    assert {"groundedness.score", "input.length", "input.words", "model"} <= set(signals["model=model-b"])
    runs = {(r["window_start"], r["segment"]): r for r in _runs(runtime, project)}
    assert runs[(t0, "all")]["status"] == "insufficient_data"
    assert runs[(t0 + HOUR, "model=model-a")]["status"] == "ok"
    assert runs[(t0 + HOUR, "model=model-b")]["status"] == "drift"

    by_model = compute(runtime.store, "drift.share", Window(project, t0 + 3 * HOUR, 7200, Filters(), ("model",)))
    shares = {s.labels["model"]: s.value for s in by_model}
    assert shares["model-a"] == 0.0
    assert shares["model-b"] == pytest.approx(len(EXPECTED_IN_B) / len(signals["model=model-b"]))
    latency = compute(runtime.store, "drift.latency_ms.score", Window(project, t0 + 3 * HOUR, 7200, Filters(), ()))
    assert latency[0].value is not None and latency[0].value > 0.1  # Wasserstein (normed) above its threshold


def test_same_distribution_false_positive_rate_within_the_tests_promise_and_offline(
    runtime: Runtime, t0: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight seeds of identical traffic: p-value tests at 0.05 (samples under 1,000) should flag ~5% of signals."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access during drift computation")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    config = MonitorConfig(segments=[], min_samples=50).model_dump(mode="json")
    flagged, judged = 0, 0
    for seed in range(8):
        project = f"fpr-{seed}-{t0:%H}"
        gen.store_events(runtime.store, project, gen.events(600, t0, t0 + HOUR, seed=100 + seed), seed=seed)
        gen.store_events(runtime.store, project, gen.events(300, t0 + HOUR, t0 + 2 * HOUR, seed=200 + seed), seed=seed)
        reference = frames.read(runtime.store, frames.Side(project, t0, t0 + HOUR), 50_000)
        current = frames.read(runtime.store, frames.Side(project, t0 + HOUR, t0 + 2 * HOUR), 50_000)
        [result] = compute_window(current, reference, config, seed)
        assert result.error == ""
        assert result.status == "ok"
        flagged += sum(s.drifted for s in result.evaluated)
        judged += len(result.evaluated)
    assert judged >= 8 * 12
    assert flagged / judged <= 0.10


def test_insufficient_data_never_gives_a_verdict(runtime: Runtime, project: str, t0: datetime, job: DriftJob) -> None:
    gen.store_events(runtime.store, project, gen.events(400, t0, t0 + HOUR, seed=3), seed=3)
    gen.store_events(runtime.store, project, gen.events(30, t0 + HOUR, t0 + 2 * HOUR, seed=4, shift=ALL_SHIFTS), seed=4)
    StoredMonitors(runtime.store).put(project, "default", MonitorConfig(reference={"windows": 1}, settle_s=0))
    asyncio.run(job.tick(only={project}))
    runs = [r for r in _runs(runtime, project) if r["window_start"] == t0 + HOUR]
    assert runs and all(r["status"] == "insufficient_data" and r["share_drifted"] is None for r in runs)
    signals = _signals(runtime, project, t0 + HOUR)
    assert signals and all(status == "insufficient_data" for found in signals.values() for status in found.values())


def test_missed_windows_are_caught_up_after_a_restart_and_closed_ones_never_recomputed(
    runtime: Runtime, project: str, t0: datetime
) -> None:
    for i in range(5):
        made = gen.events(120, t0 + i * HOUR, t0 + (i + 1) * HOUR, seed=10 + i)
        gen.store_events(runtime.store, project, made, seed=i)
    config = MonitorConfig(reference={"windows": 1}, segments=[], settle_s=0, signals=["latency_ms", "status"])
    StoredMonitors(runtime.store).put(project, "default", config)

    first = DriftJob(runtime.store, clock=lambda: t0 + 3 * HOUR + timedelta(minutes=5))
    assert asyncio.run(first.tick(only={project})) == 3
    before = {r["window_start"]: r["computed_at"] for r in _runs(runtime, project)}
    first.pool.close()

    restarted = DriftJob(runtime.store, clock=lambda: t0 + 5 * HOUR + timedelta(minutes=5))
    assert asyncio.run(restarted.tick(only={project})) == 2  # the two windows that closed while it was down
    assert asyncio.run(restarted.tick(only={project})) == 0
    after = {r["window_start"]: r["computed_at"] for r in _runs(runtime, project)}
    assert sorted(after) == [t0 + i * HOUR for i in range(5)]
    assert all(after[start] == at for start, at in before.items())

    monitor = StoredMonitors(runtime.store).get(project, "default")
    assert monitor is not None
    assert asyncio.run(restarted.recompute(monitor, t0 + HOUR, t0 + 2 * HOUR)) == 1  # replay asks explicitly
    replayed = {r["window_start"]: r["computed_at"] for r in _runs(runtime, project)}
    assert replayed[t0 + HOUR] > before[t0 + HOUR]
    assert replayed[t0 + 2 * HOUR] == before[t0 + 2 * HOUR]
    restarted.pool.close()


def test_a_window_waits_until_its_events_have_settled(runtime: Runtime, project: str) -> None:
    start = floor(datetime.now(UTC), 3600) - HOUR
    gen.store_events(runtime.store, project, gen.events(100, start, start + HOUR, seed=5), seed=5)
    StoredMonitors(runtime.store).put(project, "default", MonitorConfig(settle_s=600, segments=[]))
    job = DriftJob(runtime.store)
    assert asyncio.run(job.tick(only={project})) == 0  # events for it arrived just now
    assert _runs(runtime, project) == []
    job.pool.close()


def test_the_demo_traffic_drifts_where_the_demo_shifts_it(runtime: Runtime, project: str, job: DriftJob) -> None:
    """Topic mix, longer answers and a model swap on the search route; the small-talk route does not change."""
    t0 = floor(datetime.now(UTC), 600) - 2 * HOUR
    traffic = DemoTraffic(seed=11, shift_at=t0 + demo_monitor.SHIFT_AT * HOUR)
    # 4,000 calls: after the shift the search route gets fewer of them, and its window must still hold min_samples
    made = [InferenceEvent.model_validate(call.inference) for call in traffic.calls(4000, t0, t0 + HOUR)]
    gen.store_events(runtime.store, project, made, seed=11)
    monitor = Monitor(monitor_id="demo", project_id=project, config=demo_monitor.CONFIG)

    found = {r.segment: r for r in asyncio.run(job.compute(monitor, t0 + timedelta(minutes=40)))}

    def drifted(segment: str) -> set[str]:
        return {s.signal for s in found[segment].signals if s.drifted}

    assert {"route", "output.length", "input.embedding"} <= drifted("all")
    assert {"model", "latency_ms", "output.length"} <= drifted("route=search/summarize")
    assert found["route=chat/smalltalk"].status == "ok"
    assert not drifted("route=chat/smalltalk") & {"model", "latency_ms", "output.length", "route"}


@pytest.mark.parametrize("kind", ["fixed", "dataset"])
def test_a_fixed_baseline_or_a_dataset_version_as_the_reference(
    runtime: Runtime, project: str, t0: datetime, job: DriftJob, kind: str
) -> None:
    gen.store_events(runtime.store, project, gen.events(300, t0, t0 + HOUR, seed=21), seed=21)
    later = t0 + 5 * HOUR
    shift = gen.Shift(latency=True, longer_answers=True)
    gen.store_events(runtime.store, project, gen.events(300, later, later + HOUR, seed=22, shift=shift), seed=22)
    if kind == "fixed":
        reference = Reference(kind="fixed", start=t0, end=t0 + HOUR)
    else:
        spec = {"name": "baseline", "query": {"start": t0.isoformat(), "end": (t0 + HOUR).isoformat()}, "dedup": False}
        dataset = DatasetCatalog(runtime.store).save(project, DatasetSpec.model_validate(spec))
        version = freeze(runtime.store, dataset, "test")
        reference = Reference(kind="dataset", dataset_id=dataset.id, version=version.version)
    cfg = MonitorConfig(reference=reference, segments=[], signals=["latency_ms", "output.length", "input.length"])

    [found] = asyncio.run(job.compute(Monitor(monitor_id="m", project_id=project, config=cfg), later))

    assert (found.n_current, found.n_reference) == (300, 300)
    assert {s.signal: s.status for s in found.signals} == {
        "latency_ms": "drift",
        "output.length": "drift",
        "input.length": "ok",
    }
