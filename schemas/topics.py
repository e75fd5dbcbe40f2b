"""Cluster mode's Kafka topics, declared once: `telltale migrate` creates what is missing (streams.kafka.admin)."""

from __future__ import annotations

from dataclasses import dataclass

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class Topic:
    """A topic's name and the settings it is created with."""

    name: str
    partitions: int
    retention_ms: int
    cleanup_policy: str = "delete"

    def configs(self) -> dict[str, str]:
        """Topic-level configs as Kafka takes them."""
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy}


INFERENCE = Topic("telltale.inference.v1", partitions=4, retention_ms=7 * DAY_MS)
"""Raw inference events: the source of truth until the store role has written them to ClickHouse."""
FEEDBACK = Topic("telltale.feedback.v1", partitions=4, retention_ms=7 * DAY_MS)
EVALUATIONS = Topic("telltale.evaluations.v1", partitions=4, retention_ms=3 * DAY_MS)
"""Evaluation rows on their way to the store: derived, so they can be recomputed by `telltale replay`."""
DEAD_LETTERS = Topic("telltale.deadletter.v1", partitions=1, retention_ms=30 * DAY_MS)
"""Refused input with its reason; one partition, since the volume is small and order helps reading it."""
ALERTS = Topic("telltale.alerts.v1", partitions=1, retention_ms=7 * DAY_MS)

TOPICS = (INFERENCE, FEEDBACK, EVALUATIONS, DEAD_LETTERS, ALERTS)
RAW_TOPICS = {"inference": INFERENCE.name, "feedback": FEEDBACK.name}
"""The topic of each raw event kind."""
