"""The app-facing client: builds v1 events on the caller's thread and hands them to the background sender."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from telltale import events
from telltale.batcher import Batcher, BeforeSend, Policy
from telltale.observe import Observation
from telltale.transport import HttpTransport, Transport

logger = logging.getLogger("telltale")

_SAMPLE_SPACE = 1 << 32


class Client:
    """One per process (or per project key); thread-safe, fork-safe, and never raises from a log call.

    `url` and `api_key` default to TELLTALE_URL and TELLTALE_API_KEY, `app` and `environment` (stamped on
    every inference event) to TELLTALE_APP and TELLTALE_ENVIRONMENT. `transport` is "http", "kafka" (to the raw
    topics, for trusted services: `kafka_bootstrap` and `project` default to TELLTALE_KAFKA_BOOTSTRAP and
    TELLTALE_PROJECT; `kafka_config` adds librdkafka settings such as SASL) or any object implementing
    `telltale.transport.Transport`.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        transport: Literal["http", "kafka"] | Transport = "http",
        kafka_bootstrap: str | None = None,
        project: str | None = None,
        kafka_config: dict[str, Any] | None = None,
        app: str | None = None,
        environment: str | None = None,
        sample_rate: float = 1.0,
        before_send: BeforeSend | None = None,
        max_queue: int = 10_000,
        policy: Policy = "drop_oldest",
        max_batch_items: int = 500,
        max_batch_bytes: int = 4 * 1024 * 1024,
        flush_interval: float = 1.0,
        max_retries: int = 8,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        timeout: float = 10.0,
        shutdown_timeout: float = 2.0,
        senders: int = 2,
    ) -> None:
        if not 0.0 <= sample_rate <= 1.0:
            raise ValueError("sample_rate must lie in 0..1")
        self.app = app or os.environ.get("TELLTALE_APP") or None
        self.environment = environment or os.environ.get("TELLTALE_ENVIRONMENT") or None
        self._threshold = int(sample_rate * _SAMPLE_SPACE)
        self._batcher = Batcher(
            _transport(transport, url, api_key, timeout, kafka_bootstrap, project, kafka_config),
            max_queue=max_queue,
            policy=policy,
            max_batch_items=max_batch_items,
            max_batch_bytes=max_batch_bytes,
            flush_interval=flush_interval,
            max_retries=max_retries,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            before_send=before_send,
            shutdown_timeout=shutdown_timeout,
            senders=senders,
        )

    def log_inference(
        self,
        model: str,
        input: str | list[Any],
        output: str | None = None,
        *,
        event_id: str | None = None,
        ts: float | datetime | str | None = None,
        contexts: list[Any] | None = None,
        usage: Mapping[str, Any] | None = None,
        latency_ms: float | None = None,
        status: Literal["ok", "error"] = "ok",
        error: str | None = None,
        route: str | None = None,
        provider: str | None = None,
        prompt_version: str | None = None,
        user_id: str | None = None,
        session_id: str | None = None,
        trace_id: str | None = None,
        span_id: str | None = None,
        parent_span_id: str | None = None,
        tags: list[str] | None = None,
        attributes: Mapping[str, Any] | None = None,
        app: str | None = None,
        environment: str | None = None,
    ) -> str:
        """Queue one InferenceEvent and return its `event_id`, for feedback to refer to."""
        event_id = event_id or events.new_event_id()
        try:
            if self._threshold < _SAMPLE_SPACE and not self._sampled(event_id):
                self._batcher.count("sampled_out")
                return event_id
            event = events.inference(
                model,
                input,
                output,
                event_id=event_id,
                ts=ts,
                contexts=contexts,
                usage=usage,
                latency_ms=latency_ms,
                status=status,
                error=error,
                app=app or self.app,
                route=route,
                environment=environment or self.environment,
                provider=provider,
                prompt_version=prompt_version,
                user_id=user_id,
                session_id=session_id,
                trace_id=trace_id,
                span_id=span_id,
                parent_span_id=parent_span_id,
                tags=tags,
                attributes=attributes,
            )
            self._batcher.submit("inference", event)
        except Exception:
            logger.exception("telltale: log_inference failed")
        return event_id

    def log_feedback(
        self,
        inference_id: str | None,
        kind: Literal["thumbs", "rating", "correction", "comment", "flag"],
        value: bool | float | str | None = None,
        *,
        event_id: str | None = None,
        ts: float | datetime | str | None = None,
        trace_id: str | None = None,
        correction: str | None = None,
        comment: str | None = None,
        source: Literal["user", "annotator", "system"] | None = None,
        user_id: str | None = None,
        tags: list[str] | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> str:
        """Queue one FeedbackEvent on an inference (by its event_id, or by `trace_id`) and return its id."""
        event_id = event_id or events.new_event_id()
        try:
            if inference_id is not None and self._threshold < _SAMPLE_SPACE and not self._sampled(str(inference_id)):
                self._batcher.count("sampled_out")
                return event_id
            event = events.feedback(
                inference_id,
                kind,
                value,
                event_id=event_id,
                ts=ts,
                trace_id=trace_id,
                correction=correction,
                comment=comment,
                source=source,
                user_id=user_id,
                tags=tags,
                attributes=attributes,
            )
            self._batcher.submit("feedback", event)
        except Exception:
            logger.exception("telltale: log_feedback failed")
        return event_id

    def observe(self, model: str, **fields: Any) -> Observation:
        """Time a block or function and emit one event: `with client.observe(...)` or `@client.observe(...)`."""
        return Observation(self, model, fields)

    def _sampled(self, event_id: str) -> bool:
        """Sampling by id, so feedback follows its inference's fate (the TypeScript SDK uses the same rule)."""
        try:
            return int(event_id[:8], 16) < self._threshold
        except ValueError:
            return True

    def stats(self) -> dict[str, int]:
        """Counters: logged, sampled_out, dropped_* (by reason), accepted, duplicates, rejected, retries, queued."""
        return self._batcher.stats()

    def flush(self, timeout: float | None = None) -> bool:
        """Block until queued events are sent; False on timeout. From asyncio code use `aflush`."""
        return self._batcher.flush(timeout)

    async def aflush(self, timeout: float | None = None) -> bool:
        """`flush` for asyncio code: waits in a worker thread, never on the event loop."""
        return await asyncio.get_running_loop().run_in_executor(None, self._batcher.flush, timeout)

    def close(self, timeout: float | None = None) -> bool:
        """Flush and stop the sender (done at interpreter exit too); the client drops events afterwards."""
        return self._batcher.close(timeout)


def _transport(
    transport: str | Transport,
    url: str | None,
    api_key: str | None,
    timeout: float,
    kafka_bootstrap: str | None,
    project: str | None,
    kafka_config: dict[str, Any] | None,
) -> Transport:
    if not isinstance(transport, str):
        return transport
    if transport == "kafka":
        from telltale.kafka import KafkaTransport

        bootstrap = kafka_bootstrap or os.environ.get("TELLTALE_KAFKA_BOOTSTRAP") or ""
        return KafkaTransport(bootstrap, project or os.environ.get("TELLTALE_PROJECT") or "", kafka_config, timeout)
    if transport != "http":
        raise ValueError(f"unknown transport {transport!r}: use 'http', 'kafka' or a Transport object")
    url = url or os.environ.get("TELLTALE_URL")
    api_key = api_key or os.environ.get("TELLTALE_API_KEY")
    if not url or not api_key:
        raise ValueError("telltale needs url and api_key (or TELLTALE_URL and TELLTALE_API_KEY)")
    return HttpTransport(url, api_key, timeout=timeout)


_default: Client | None = None
_default_lock = threading.Lock()


def default_client() -> Client:
    """The process-wide client configured from the environment, made on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Client()
        return _default
