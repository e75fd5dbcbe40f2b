"""Builds a process's parts from the settings: local mode (one process) or cluster mode (Kafka roles)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

from telltale_server.schemas.migrate import migrate
from telltale_server.schemas.settings import Settings
from telltale_server.schemas.store import Store
from telltale_server.services import heap
from telltale_server.services.alerts.loop import AlertLoop
from telltale_server.services.auth.keys import KeyRing
from telltale_server.services.datasets.continuous import CurationJob
from telltale_server.services.ingest.kafka_log import KafkaEventLog
from telltale_server.services.ingest.log import StoreEventLog
from telltale_server.services.ingest.otel.expiry import HeldCallsJob
from telltale_server.services.ingest.otel.held import HeldSpans
from telltale_server.services.ingest.otel.receiver import TraceReceiver
from telltale_server.services.ingest.service import IngestService
from telltale_server.services.review.fill import QueueFillJob
from telltale_server.streams.drift.job import DriftJob
from telltale_server.streams.evaluators import registry
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.policy import StoredPolicies
from telltale_server.streams.pipeline import Pipeline
from telltale_server.streams.rollups.builder import RollupBuilder
from telltale_server.streams.rollups.tail import SharedTails
from telltale_server.streams.runners.evaluate import EvaluateRole
from telltale_server.streams.runners.local import LocalRunner
from telltale_server.streams.runners.overload import Overload
from telltale_server.streams.runners.pool import EvaluatorPool, InProcess, Scoring, default_size
from telltale_server.streams.runners.scoring import Scorer
from telltale_server.streams.runners.store.consumer import StoreRole
from telltale_server.streams.sink import Sink

ROLES = ("store", "evaluate")


class Job(Protocol):
    """Background work the process runs beside the API until it stops (a runner, a role, the producer)."""

    name: str

    async def run(self, stop: asyncio.Event) -> None: ...


@dataclass
class Runtime:
    """Everything a request handler or the runner needs, made once per process."""

    settings: Settings
    store: Store
    keys: KeyRing
    ingest: IngestService
    traces: TraceReceiver
    runner: LocalRunner | None
    policies: StoredPolicies
    evaluators: list[type[Evaluator]]
    jobs: list[Job] = field(default_factory=list)
    tails: SharedTails = field(init=False)
    """The raw tails the concurrent chart reads of a page share."""

    def __post_init__(self) -> None:
        self.tails = SharedTails(self.store)

    def close(self) -> None:
        """Stop the evaluator processes (bounded), drop the kept tails, then release the store."""
        if self.runner is not None:
            self.runner.scoring.close()
        self.tails.close()
        self.store.close()


def open_local(settings: Settings, with_runner: bool = True) -> Runtime:
    """Local mode: one process owns the store, appends to the raw tables and evaluates in-process."""
    store = Store(settings.store_url())
    migrate(store, settings.clickhouse_cluster)
    sink = Sink(store)
    policies = StoredPolicies(store)
    names = registry.configured(settings)
    kinds = registry.kinds(names)
    runner = None
    if with_runner:
        runner = LocalRunner(
            store,
            scoring(settings, names),
            sink,
            names,
            policies,
            Overload(
                settings.overload_policy,
                settings.overload_backlog,
                settings.overload_sample_rate,
                settings.overload_full,
            ),
            batch_size=settings.runner_batch_size,
            idle_poll_s=settings.runner_idle_poll_s,
        )
    log = StoreEventLog(store, sink)
    ingest = IngestService(log, settings.max_batch_items)
    traces = TraceReceiver(ingest, HeldSpans(store), settings.otel_hold_s)
    jobs: list[Job] = [HeldCallsJob(traces)]
    if runner is not None:
        alerts = AlertLoop(store, settings)
        wire_local_flow(log, runner, alerts)
        jobs += [runner, alerts, CurationJob(store), QueueFillJob(store), RollupBuilder(store)]
        if settings.drift_enabled:
            jobs.append(DriftJob(store, interval_s=settings.drift_interval_s))
    return Runtime(
        settings=settings,
        store=store,
        keys=KeyRing(store),
        ingest=ingest,
        traces=traces,
        runner=runner,
        policies=policies,
        evaluators=kinds,
        jobs=jobs,
    )


def wire_local_flow(log: StoreEventLog, runner: LocalRunner, alerts: AlertLoop) -> None:
    """Local mode's event flow, in one place: each stored inference event reaches the runner at once (it need not
    poll the table), and each batch of evaluations the runner stores wakes the alert engine."""
    log.on_inference = runner.offer
    runner.listeners.append(alerts.wake)


def scoring(settings: Settings, names: tuple[str, ...]) -> Scoring:
    """Local mode's evaluator processes, one per CPU unless configured; with 0, scoring in this process."""
    size = default_size(settings.evaluator_workers)
    if size == 0:
        return InProcess(Scorer(registry.build(settings, names)))
    return EvaluatorPool(settings, names, size, on_ready=heap.settle)


def open_cluster(settings: Settings, roles: tuple[str, ...] = ROLES) -> Runtime:
    """Cluster mode's API process: ingest publishes to Kafka; with chDB, the store role must live here too."""
    assert settings.kafka_bootstrap, "cluster mode needs TELLTALE_KAFKA_BOOTSTRAP"
    store = Store(settings.store_url())
    migrate(store, settings.clickhouse_cluster)
    policies = StoredPolicies(store)
    log = KafkaEventLog(settings.kafka_bootstrap, store)
    ingest = IngestService(log, settings.max_batch_items)
    traces = TraceReceiver(ingest, HeldSpans(store), settings.otel_hold_s)
    jobs: list[Job] = [log, HeldCallsJob(traces), *cluster_roles(settings, roles, store)]
    if store.embedded:  # no other process can open it, so its rollups are built here ('telltale jobs' otherwise)
        jobs.append(RollupBuilder(store))
    return Runtime(
        settings=settings,
        store=store,
        keys=KeyRing(store),
        ingest=ingest,
        traces=traces,
        runner=None,
        policies=policies,
        evaluators=registry.kinds(registry.configured(settings)),
        jobs=jobs,
    )


def parse_roles(text: str) -> tuple[str, ...]:
    """`evaluate,store` as a tuple of role names."""
    return tuple(role.strip() for role in text.split(",") if role.strip())


def cluster_roles(settings: Settings, roles: tuple[str, ...], store: Store | None) -> list[Job]:
    """The worker roles this process runs; without a store (chDB owned elsewhere) evaluation uses default policies."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)}; known: {list(ROLES)}")
    bootstrap = settings.kafka_bootstrap
    assert bootstrap, "cluster mode needs TELLTALE_KAFKA_BOOTSTRAP"
    jobs: list[Job] = []
    if "store" in roles:
        assert store is not None, "the store role needs the store"
        jobs.append(StoreRole(bootstrap, Sink(store)))
    if "evaluate" in roles:
        evaluators = registry.build(settings, registry.configured(settings))
        pipeline = Pipeline(evaluators, StoredPolicies(store) if store else None)
        jobs.append(EvaluateRole(bootstrap, pipeline, settings.data_dir / "evaluate"))
    return jobs
