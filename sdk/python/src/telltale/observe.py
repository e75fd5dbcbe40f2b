"""One event per observed call: a context manager and decorator that times the work and captures what it did."""

from __future__ import annotations

import functools
import inspect
import json
import time
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from telltale.events import new_event_id

if TYPE_CHECKING:
    from telltale.client import Client

F = TypeVar("F", bound=Callable[..., Any])
_last_id: ContextVar[str | None] = ContextVar("telltale_last_inference_id", default=None)


def last_inference_id() -> str | None:
    """The event_id of the last call observed (or wrapped) in this thread or task, to attach feedback to it."""
    return _last_id.get()


def error_text(error: BaseException) -> str:
    """How an exception reads in an event's `error` field."""
    return f"{type(error).__name__}: {error}"


class Observation:
    """`with client.observe(model, input=...) as call: ...; call.set(output=...)`, or `@client.observe(model)`.

    As a context manager it emits when the block ends (status `error` and the exception's text if it raised;
    the exception still propagates). As a decorator every call of the function gets its own observation,
    with the arguments as `input` and the return value as `output`.
    """

    def __init__(self, client: Client, model: str, fields: dict[str, Any]) -> None:
        self._client = client
        self.model = model
        self.fields = fields
        self.event_id: str = fields.pop("event_id", None) or new_event_id()
        self._ts = 0.0
        self._t0 = 0.0

    def set(self, **fields: Any) -> None:
        """Add what is known only during the call: output, usage, contexts, attributes, ..."""
        self.fields.update(fields)

    def __enter__(self) -> Observation:
        self._ts = time.time()
        self._t0 = time.perf_counter()
        _last_id.set(self.event_id)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        latency_ms = (time.perf_counter() - self._t0) * 1000.0
        fields = self.fields
        if exc is not None:
            fields.setdefault("status", "error")
            fields.setdefault("error", error_text(exc))
        fields.setdefault("input", "")
        fields.setdefault("latency_ms", latency_ms)
        self._client.log_inference(self.model, event_id=self.event_id, ts=self._ts, **fields)

    async def __aenter__(self) -> Observation:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def __call__(self, func: F) -> F:
        """Decorate a sync or async function: one event per call, input from its arguments, output its result."""
        signature = inspect.signature(func)

        def fresh(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Observation:
            fields = {"input": _input(signature, args, kwargs), **self.fields}
            return Observation(self._client, self.model, fields)

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with fresh(args, kwargs) as call:
                    result = await func(*args, **kwargs)
                    call.fields.setdefault("output", _output(result))
                    return result

            return async_wrapper  # type: ignore[return-value]  # the wrapper keeps the wrapped function's signature (functools.wraps), which mypy cannot see

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with fresh(args, kwargs) as call:
                result = func(*args, **kwargs)
                call.fields.setdefault("output", _output(result))
                return result

        return wrapper  # type: ignore[return-value]  # the wrapper keeps the wrapped function's signature (functools.wraps), which mypy cannot see


def _input(signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A lone text or message list is the input as is; several arguments become a JSON object of them."""
    try:
        bound = signature.bind(*args, **kwargs).arguments
    except TypeError:
        bound = {"args": list(args), **kwargs}
    values = {name: value for name, value in bound.items() if name not in ("self", "cls")}
    if len(values) == 1:
        (value,) = values.values()
        if isinstance(value, (str, list)):
            return value
    return json.dumps(values, default=str, ensure_ascii=False)


def _output(result: Any) -> str | None:
    if result is None or isinstance(result, str):
        return result
    if hasattr(result, "model_dump_json"):
        return result.model_dump_json(exclude_none=True)
    try:
        return json.dumps(result, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(result)
