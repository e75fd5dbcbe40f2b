"""The overload policy the user chose: past a backlog bound, fall behind (visible as lag) or sample."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Literal, Protocol

from telltale_server.streams.runners.scoring import Sample

Policy = Literal["keep", "sample"]


class Backlogged(Protocol):
    def backlog(self) -> int: ...


class Overload:
    """`keep` scores every event and falls behind; `sample` scores, while the backlog is past `bound`, only
    the events each evaluator outside `full` samples by event id (a replay picks the same ones); the
    runner backfills the rest once it has caught up, and counts what is still unscored per evaluator."""

    def __init__(
        self, policy: Policy, bound: int, rate: float, full: Iterable[str] = (), refresh_s: float = 1.0
    ) -> None:
        self.policy = policy
        self.bound = bound
        self.rate = rate
        self.full = frozenset(full)
        self.refresh_s = refresh_s
        self.backlog = 0
        self._seen_at = float("-inf")

    def observe(self, runner: Backlogged) -> None:
        """Refresh the backlog the decision rests on, at most every `refresh_s` (it costs a query)."""
        now = time.monotonic()
        if self.policy == "sample" and now - self._seen_at >= self.refresh_s:
            self.backlog = runner.backlog()
            self._seen_at = now

    def sampling(self) -> bool:
        """Whether new chunks are sampled now."""
        return self.policy == "sample" and self.backlog > self.bound

    def sample(self) -> Sample | None:
        """The sample for the next chunk, or None to score it whole."""
        return Sample(self.rate, self.full) if self.sampling() else None
