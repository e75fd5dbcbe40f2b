"""Creates cluster mode's topics as schemas.topics declares them: `telltale migrate` and the tests' broker call it."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from telltale_server.schemas.topics import TOPICS, Topic

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
    for name, code, *rest in response.topic_errors:  # type: ignore[attr-defined]  # aiokafka types create_topics' answer as Response; it is CreateTopicsResponse
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            message = rest[0] if rest else ""
            raise RuntimeError(f"could not create topic {name}: error {code} {message}")
