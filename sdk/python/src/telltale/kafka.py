"""The Kafka transport: produces events to Telltale's raw topics exactly as the ingest gateway does.

Value = the event's JSON; key = project/trace (or inference, or event id); headers = project_id, kind,
schema_version, received_at. Only trusted producers may write these topics: the project header is taken
as given, so give this transport to your own services, not to untrusted clients. Validation happens in
Telltale's store role, which dead-letters what it refuses (no per-item answer comes back here).
Needs `pip install 'telltale[kafka]'` (confluent-kafka).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from telltale.events import Kind
from telltale.transport import Outcome

TOPICS: dict[str, str] = {"inference": "telltale.inference.v1", "feedback": "telltale.feedback.v1"}
SCHEMA_VERSION = b"1"


class KafkaTransport:
    """An idempotent, acks=all producer; a batch counts as delivered only when the broker acknowledged all of it."""

    def __init__(self, bootstrap: str, project: str, config: dict[str, Any] | None = None, timeout: float = 10.0):
        try:
            import confluent_kafka  # noqa: F401
        except ImportError as error:
            raise ImportError("the kafka transport needs confluent-kafka: pip install 'telltale[kafka]'") from error
        if not bootstrap or not project:
            raise ValueError(
                "the kafka transport needs kafka_bootstrap and project (or TELLTALE_KAFKA_BOOTSTRAP, TELLTALE_PROJECT)"
            )
        self._config = {
            "bootstrap.servers": bootstrap,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            **(config or {}),
        }
        self._project = project
        self._timeout = timeout
        self._producer: Any = None

    def send(self, kind: Kind, events: list[bytes]) -> Outcome:
        producer = self._producer or self._open()
        failures: list[str] = []
        received_at = datetime.now(timezone.utc).isoformat().encode()
        try:
            for raw in events:
                self._produce(producer, kind, raw, received_at, failures)
            undelivered = producer.flush(self._timeout)
        except Exception as error:  # a broken client must not raise into the sender thread
            return Outcome(retry=True, error=f"kafka error: {error!r}")
        if undelivered or failures:
            reason = failures[0] if failures else f"{undelivered} record(s) not acknowledged in {self._timeout}s"
            return Outcome(retry=True, error=f"kafka: {reason}")
        return Outcome(accepted=len(events))

    def _produce(self, producer: Any, kind: Kind, raw: bytes, received_at: bytes, failures: list[str]) -> None:
        event = json.loads(raw)
        anchor = event.get("trace_id") or event.get("inference_id") or event["event_id"]
        headers = [
            ("project_id", self._project.encode()),
            ("kind", kind.encode()),
            ("schema_version", SCHEMA_VERSION),
            ("received_at", received_at),
        ]

        def delivered(error: Any, _message: Any) -> None:
            if error is not None:
                failures.append(str(error))

        while True:
            try:
                producer.produce(
                    TOPICS[kind],
                    value=raw,
                    key=f"{self._project}/{anchor}".encode(),
                    headers=headers,
                    on_delivery=delivered,
                )
                return
            except BufferError:
                producer.poll(0.1)

    def _open(self) -> Any:
        from confluent_kafka import Producer

        self._producer = Producer(self._config)
        return self._producer

    def reset(self) -> None:
        """After fork: the child makes its own producer (librdkafka's threads do not survive a fork)."""
        self._producer = None

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush(self._timeout)
            self._producer = None
