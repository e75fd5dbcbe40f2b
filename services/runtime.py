"""Builds local mode's parts from the settings: store, migrations, keys, ingest, pipeline and runner."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.migrate import migrate
from schemas.settings import Settings
from schemas.store import Store
from services.auth.keys import KeyRing
from services.ingest.log import StoreEventLog
from services.ingest.service import IngestService
from streams.evaluators import registry
from streams.evaluators.base import Evaluator
from streams.evaluators.policy import StoredPolicies
from streams.pipeline import Pipeline
from streams.runners.local import LocalRunner
from streams.sink import Sink


@dataclass
class Runtime:
    """Everything a request handler or the runner needs, made once per process."""

    settings: Settings
    store: Store
    keys: KeyRing
    ingest: IngestService
    runner: LocalRunner | None
    policies: StoredPolicies
    evaluators: list[Evaluator]

    def close(self) -> None:
        self.store.close()


def open_local(settings: Settings, with_runner: bool = True) -> Runtime:
    """Local mode: one process owns the store, appends to the raw tables and evaluates in-process."""
    store = Store(settings.store_url())
    migrate(store)
    sink = Sink(store)
    policies = StoredPolicies(store)
    evaluators = registry.build(settings, tuple(settings.evaluators or registry.DEFAULT))
    runner = None
    if with_runner:
        runner = LocalRunner(
            store,
            Pipeline(evaluators, policies),
            sink,
            batch_size=settings.runner_batch_size,
            idle_poll_s=settings.runner_idle_poll_s,
        )
    log = StoreEventLog(store, sink, on_inference=runner.offer if runner else None)
    return Runtime(
        settings=settings,
        store=store,
        keys=KeyRing(store),
        ingest=IngestService(log, settings.max_batch_items),
        runner=runner,
        policies=policies,
        evaluators=evaluators,
    )
