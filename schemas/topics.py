"""Cluster mode's Kafka topics, declared once: `telltale migrate` creates what is missing."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

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

MAX_REPLICATION = 3


async def ensure_topics(bootstrap: str, topics: tuple[Topic, ...] = TOPICS) -> list[str]:
    """Create the topics that do not exist yet (replicated up to 3 times) and return their names."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        brokers = len((await admin.describe_cluster())["brokers"])
        missing = [topic for topic in topics if topic.name not in existing]
        if missing:
            replication = min(MAX_REPLICATION, brokers)
            response = await admin.create_topics(
                [NewTopic(t.name, t.partitions, replication, topic_configs=t.configs()) for t in missing]
            )
            _raise_errors(response)
        return [topic.name for topic in missing]
    finally:
        await admin.close()


_TOPIC_ALREADY_EXISTS = 36


def _raise_errors(response: object) -> None:
    """Fail on any error but 'already exists' (another process won the race, which is fine)."""
    for name, code, *rest in response.topic_errors:  # type: ignore[attr-defined]
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            message = rest[0] if rest else ""
            raise RuntimeError(f"could not create topic {name}: error {code} {message}")
