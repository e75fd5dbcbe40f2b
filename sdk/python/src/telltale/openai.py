"""Records the OpenAI client's chat completions as InferenceEvents without changing what the app gets back.

Duck-typed on purpose: importing this module does not import `openai`.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any, TypeVar

from telltale.client import Client, default_client
from telltale.events import new_event_id
from telltale.observe import _last_id, error_text

logger = logging.getLogger("telltale")
T = TypeVar("T")


def wrap_openai(openai_client: T, *, telltale: Client | None = None, **fields: Any) -> T:
    """Wrap `chat.completions.create` of an `OpenAI` or `AsyncOpenAI` client in place and return the client.

    Each call emits one event (model, messages, output, usage, latency, errors); `fields` (route, tags,
    prompt_version, ...) are added to every event. A stream is returned as the same object, yielding the
    same chunks; its event is emitted when the stream is consumed or closed.
    """
    completions = openai_client.chat.completions  # type: ignore[attr-defined]  # the OpenAI client is typed Any here so the SDK does not import openai
    original = completions.create
    if getattr(original, "__telltale__", False):
        return openai_client
    client = telltale or default_client()

    def create(*args: Any, **kwargs: Any) -> Any:
        call = _Call(client, kwargs, fields)
        try:
            result = original(*args, **kwargs)
        except Exception as error:
            call.fail(error)
            raise
        if inspect.isawaitable(result):  # AsyncOpenAI: the same call, awaited by the app
            return call.settle_async(result, bool(kwargs.get("stream")))
        return call.settle(result, bool(kwargs.get("stream")))

    create.__telltale__ = True  # type: ignore[attr-defined]  # a marker attribute on the patched function, so patching twice is a no-op
    completions.create = create
    return openai_client


class _Call:
    """One chat completion being recorded; emits exactly once, and never lets its own failure reach the app."""

    def __init__(self, client: Client, request: dict[str, Any], fields: dict[str, Any]) -> None:
        self.client = client
        self.fields = fields
        self.event_id = new_event_id()
        self.ts = time.time()
        self.t0 = time.perf_counter()
        self.model = str(request.get("model") or "unknown")
        messages = request.get("messages")
        self.input = list(messages) if isinstance(messages, (list, tuple)) else []
        self.parts: list[str] = []
        self.usage: dict[str, Any] | None = None
        self.attributes: dict[str, Any] = {}
        self.done = False
        _last_id.set(self.event_id)

    def settle(self, result: Any, stream: bool) -> Any:
        """Record a completion now, or a stream once it ends; either way hand back `result` itself."""
        if not stream:
            self._complete(result)
        elif hasattr(result, "__aiter__"):
            self._watch_async_stream(result)
        else:
            self._watch_stream(result)
        return result

    async def settle_async(self, pending: Awaitable[Any], stream: bool) -> Any:
        try:
            result = await pending
        except Exception as error:
            self.fail(error)
            raise
        return self.settle(result, stream)

    def _complete(self, completion: Any) -> None:
        try:
            self.model = getattr(completion, "model", None) or self.model
            choices = getattr(completion, "choices", None) or []
            if choices:
                content = getattr(choices[0].message, "content", None)
                if content:
                    self.parts.append(content)
                self._finish_reason(choices[0])
            self._usage(getattr(completion, "usage", None))
            self._response_id(completion)
        except Exception:
            logger.exception("telltale: could not read the completion")
        self._emit()

    def fail(self, error: BaseException) -> None:
        self._emit(error)

    def _watch_stream(self, stream: Any) -> None:
        """Route the stream's chunks through `_chunks` and its close through `_emit`; the object stays the same."""
        stream._iterator = self._chunks(stream._iterator)
        close = stream.close

        def closing() -> None:
            try:
                close()
            finally:
                self._emit()

        stream.close = closing

    def _watch_async_stream(self, stream: Any) -> None:
        """The asyncio twin of `watch_stream`."""
        stream._iterator = self._achunks(stream._iterator)
        close = stream.close

        async def closing() -> None:
            try:
                await close()
            finally:
                self._emit()

        stream.close = closing

    def _chunks(self, chunks: Iterator[Any]) -> Iterator[Any]:
        try:
            for chunk in chunks:
                self._chunk(chunk)
                yield chunk
        except Exception as error:
            self._emit(error)
            raise
        finally:
            self._emit()

    async def _achunks(self, chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for chunk in chunks:
                self._chunk(chunk)
                yield chunk
        except Exception as error:
            self._emit(error)
            raise
        finally:
            self._emit()

    def _chunk(self, chunk: Any) -> None:
        try:
            if "time_to_first_chunk_ms" not in self.attributes:
                self.attributes["time_to_first_chunk_ms"] = round((time.perf_counter() - self.t0) * 1000.0, 3)
            self.model = getattr(chunk, "model", None) or self.model
            for choice in getattr(chunk, "choices", None) or []:
                if getattr(choice, "index", 0) != 0:
                    continue
                delta = getattr(choice, "delta", None)
                content = getattr(delta, "content", None)
                if content:
                    self.parts.append(content)
                self._finish_reason(choice)
            self._usage(getattr(chunk, "usage", None))
            self._response_id(chunk)
        except Exception:
            logger.exception("telltale: could not read a stream chunk")

    def _finish_reason(self, choice: Any) -> None:
        reason = getattr(choice, "finish_reason", None)
        if reason:
            self.attributes["finish_reason"] = str(reason)

    def _usage(self, usage: Any) -> None:
        if usage is not None:
            self.usage = {
                "input_tokens": getattr(usage, "prompt_tokens", None),
                "output_tokens": getattr(usage, "completion_tokens", None),
                "total_tokens": getattr(usage, "total_tokens", None),
            }

    def _response_id(self, response: Any) -> None:
        response_id = getattr(response, "id", None)
        if response_id:
            self.attributes["response_id"] = str(response_id)

    def _emit(self, error: BaseException | None = None) -> None:
        if self.done:
            return
        self.done = True
        fields = dict(self.fields)
        attributes = {**self.attributes, **fields.pop("attributes", {})}
        if error is not None:
            fields.setdefault("status", "error")
            fields.setdefault("error", error_text(error))
        self.client.log_inference(
            self.model,
            self.input,
            "".join(self.parts) if self.parts else None,
            event_id=self.event_id,
            ts=self.ts,
            usage=self.usage,
            latency_ms=(time.perf_counter() - self.t0) * 1000.0,
            provider=fields.pop("provider", "openai"),
            attributes=attributes,
            **fields,
        )
