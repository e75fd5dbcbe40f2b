"""A real Apache Kafka broker for the cluster-mode tests: started once per session on free ports, then stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from telltale_server.streams.kafka.admin import ensure_topics
from tests.integration.kafka.support import Broker


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """`infra/kafka/broker start` with its own port and data dir under the session's tmp dir; stopped at the end."""
    kafka = Broker(Path(tmp_path_factory.mktemp("kafka")))
    kafka.start()
    try:
        asyncio.run(ensure_topics(kafka.bootstrap))
        yield kafka
    finally:
        kafka.stop()
