"""The OpenAI-compatible chat-completions call, with a timeout and backoff retries on 429, 5xx and network errors."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from telltale_server.streams.evaluators.llm_judge.config import MAX_OUTPUT_TOKENS, JudgeConfig

BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 30.0
"""Longest wait between attempts, also the cap on a server's Retry-After."""


class JudgeHTTPError(Exception):
    """The endpoint refused the call: a 4xx other than 429 at once, a 429/5xx once the retries are spent."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status


@dataclass(frozen=True)
class Completion:
    """The judge's answer text and the token counts the endpoint reported, if it did."""

    text: str
    input_tokens: int | None
    output_tokens: int | None


class ChatClient:
    """One shared HTTP connection pool; safe to call from the evaluator's worker threads."""

    def __init__(
        self,
        config: JudgeConfig,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self.sleep = sleep
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._http = httpx.Client(timeout=config.timeout_s, headers=headers, transport=transport)

    def complete(self, messages: list[dict[str, str]]) -> Completion:
        """The answer to `messages`; raises JudgeHTTPError or an httpx.TransportError when the call fails."""
        body = {
            "model": self.config.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": MAX_OUTPUT_TOKENS,
            "response_format": {"type": "json_object"},
        }
        attempt = 0
        while True:
            try:
                response = self._http.post(self.config.endpoint(), json=body)
            except httpx.TransportError:
                if attempt >= self.config.max_retries:
                    raise
                delay = _backoff(attempt, None)
            else:
                if response.status_code != 429 and response.status_code < 500:
                    if response.is_error:
                        raise JudgeHTTPError(response.status_code, response.text)
                    return _completion(response.json())
                if attempt >= self.config.max_retries:
                    raise JudgeHTTPError(response.status_code, response.text)
                delay = _backoff(attempt, response.headers.get("retry-after"))
            self.sleep(delay)
            attempt += 1

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()


def _backoff(attempt: int, retry_after: str | None) -> float:
    """The server's Retry-After (seconds) when given, else exponential with jitter so workers do not retry in step."""
    if retry_after is not None:
        try:
            return min(BACKOFF_MAX_S, max(0.0, float(retry_after)))
        except ValueError:
            pass
    return min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2**attempt) * random.uniform(0.5, 1.0)


def _completion(payload: Any) -> Completion:
    """The first choice's content and the usage block of a chat-completions response."""
    try:
        text = payload["choices"][0]["message"]["content"] or ""
    except (KeyError, IndexError, TypeError):
        raise ValueError(f"not a chat-completions response: {str(payload)[:300]}") from None
    usage = payload.get("usage") or {}
    return Completion(
        text=str(text), input_tokens=usage.get("prompt_tokens"), output_tokens=usage.get("completion_tokens")
    )
