"""Per-project evaluator policy: whether an evaluator judges an event (enabled, route/model filters, sampling)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from telltale_server.schemas.events import InferenceEvent
from telltale_server.schemas.store import Store

SAMPLING_BUCKETS = 10_000


@dataclass(frozen=True)
class EvaluatorPolicy:
    """Defaults judge every event; empty route/model sets mean 'all'."""

    enabled: bool = True
    sample_rate: float = 1.0
    routes: frozenset[str] = field(default_factory=frozenset)
    models: frozenset[str] = field(default_factory=frozenset)

    def admits(self, event: InferenceEvent) -> bool:
        """Whether this evaluator should judge the event under this project's policy."""
        return (
            self.enabled
            and (not self.routes or (event.route or "") in self.routes)
            and (not self.models or event.model in self.models)
            and sampled(event.event_id, self.sample_rate)
        )


def sampled(event_id: UUID, rate: float) -> bool:
    """Deterministic by event id, so a replay samples the same events as the first pass did."""
    return rate >= 1.0 or event_id.int % SAMPLING_BUCKETS < rate * SAMPLING_BUCKETS


class PolicySource(Protocol):
    """Where the pipeline learns each project's policies."""

    def policies(self, project_id: str) -> Mapping[str, EvaluatorPolicy]:
        """Evaluator name -> policy; evaluators absent from the mapping use the defaults."""
        ...


class StoredPolicies:
    """Policies from the evaluator_configs table, cached per project for `ttl_s` seconds."""

    def __init__(self, store: Store, ttl_s: float = 10.0) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, dict[str, EvaluatorPolicy]]] = {}
        self._lock = threading.Lock()

    def policies(self, project_id: str) -> Mapping[str, EvaluatorPolicy]:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(project_id)
        if cached is not None and now - cached[0] < self.ttl_s:
            return cached[1]
        rows = self.store.rows(
            "SELECT evaluator, enabled, sample_rate, routes, models FROM evaluator_configs FINAL "
            "WHERE project_id = {p:String}",
            {"p": project_id},
        )
        found = {
            row["evaluator"]: EvaluatorPolicy(
                bool(row["enabled"]), row["sample_rate"], frozenset(row["routes"]), frozenset(row["models"])
            )
            for row in rows
        }
        with self._lock:
            self._cache[project_id] = (now, found)
        return found

    def save(self, project_id: str, evaluator: str, policy: EvaluatorPolicy) -> None:
        """Store a project's policy for one evaluator; it applies from the next cache refresh."""
        self.store.client().insert(
            "evaluator_configs",
            [
                [
                    project_id,
                    evaluator,
                    int(policy.enabled),
                    policy.sample_rate,
                    sorted(policy.routes),
                    sorted(policy.models),
                    datetime.now(UTC),
                ]
            ],
            column_names=["project_id", "evaluator", "enabled", "sample_rate", "routes", "models", "updated_at"],
        )
        with self._lock:
            self._cache.pop(project_id, None)
