"""What the overload sample left unscored: recorded per project, evaluator and stretch of the log, counted,
and scored later (the runner once it caught up, or `telltale replay --skipped`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from telltale_server.schemas.rows import inference_event
from telltale_server.schemas.store import Store
from telltale_server.streams import telemetry
from telltale_server.streams.evaluators.policy import EvaluatorPolicy, PolicySource, sampled
from telltale_server.streams.pipeline import DEFAULT_POLICY, ProjectEvent
from telltale_server.streams.runners.pool import Scoring
from telltale_server.streams.runners.scoring import Task, snapshot
from telltale_server.streams.sink import Sink

COLUMNS = ["project_id", "evaluator", "received_after", "received_to", "sample_rate", "skipped", "filled", "updated_at"]
OFF = EvaluatorPolicy(enabled=False)


@dataclass(frozen=True)
class Gap:
    """One stretch of one project's log and the evaluators that skipped part of it (with how many each)."""

    project_id: str
    received_after: datetime
    received_to: datetime
    sample_rate: float
    skipped: dict[str, int]


class Gaps:
    """The evaluation_gaps table: record, count, and fill."""

    def __init__(self, store: Store, names: Sequence[str]) -> None:
        self.store = store
        self.names = list(names)

    def record(self, after: datetime, last: datetime, rate: float, skipped: Mapping[tuple[str, str], int]) -> None:
        """Remember that these evaluators left `skipped` events of the log in (after, last] unscored."""
        now = datetime.now(UTC)
        rows = [[p, name, after, last, rate, count, 0, now] for (p, name), count in skipped.items() if count]
        if rows:
            self.store.client().insert("evaluation_gaps", rows, column_names=COLUMNS)
            for (_, name), count in skipped.items():
                telemetry.skipped(name, count)

    def unscored(self, project_id: str | None = None) -> dict[str, int]:
        """Events still unscored by each evaluator (of one project, or all)."""
        where = "filled = 0" + (" AND project_id = {p:String}" if project_id is not None else "")
        rows = self.store.rows(
            f"SELECT evaluator, sum(skipped) AS n FROM evaluation_gaps FINAL WHERE {where} GROUP BY evaluator",
            {"p": project_id} if project_id is not None else None,
        )
        return {row["evaluator"]: int(row["n"]) for row in rows}

    def next_open(self) -> Gap | None:
        """The oldest stretch some evaluator has not filled yet."""
        rows = self.store.rows(
            "SELECT project_id, received_after, received_to, any(sample_rate) AS rate, "
            "groupArray((evaluator, skipped)) AS skipped FROM evaluation_gaps FINAL WHERE filled = 0 "
            "GROUP BY project_id, received_after, received_to ORDER BY received_after LIMIT 1"
        )
        if not rows:
            return None
        row = rows[0]
        return Gap(
            row["project_id"], row["received_after"], row["received_to"], row["rate"], dict(map(tuple, row["skipped"]))
        )

    def tasks(self, gap: Gap, chunk_size: int, policies: PolicySource | None) -> Iterator[Task]:
        """The stretch's events outside the sample, for the gap's evaluators only, under the project's policies."""
        rows = self.store.rows(
            "SELECT * FROM inference_events FINAL WHERE project_id = {p:String} "
            "AND received_at > {a:DateTime64(6, 'UTC')} AND received_at <= {b:DateTime64(6, 'UTC')} "
            "ORDER BY received_at, event_id",
            {"p": gap.project_id, "a": gap.received_after, "b": gap.received_to},
        )
        events = []
        for row in rows:
            if not sampled(row["event_id"], gap.sample_rate):
                try:
                    events.append(ProjectEvent(gap.project_id, inference_event(row)))
                except ValidationError:
                    continue  # the runner dead-lettered it when it first read it
        base = snapshot(policies, events[:1]).get(gap.project_id, {})
        only = {name: (base.get(name, DEFAULT_POLICY) if name in gap.skipped else OFF) for name in self.names}
        for start in range(0, len(events), chunk_size):
            yield Task(events[start : start + chunk_size], {gap.project_id: only})

    def fill_next(
        self,
        scoring: Scoring,
        sink: Sink,
        chunk_size: int,
        policies: PolicySource | None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> bool:
        """Score the oldest open stretch and mark it filled; False when nothing is open, or when `stopping`
        interrupts it between chunks (the stretch stays open; its rows so far are deduplicated on the rescore)."""
        gap = self.next_open()
        if gap is None:
            return False
        futures = [scoring.submit(task) for task in self.tasks(gap, chunk_size, policies)]
        for future in futures:
            if stopping():
                return False
            sink.encoded_evaluations(future.result().rows)
        self.fill(gap)
        return True

    def fill(self, gap: Gap) -> None:
        """Mark the stretch scored for its evaluators (their counts stay, as history)."""
        now = datetime.now(UTC)
        rows = [
            [gap.project_id, name, gap.received_after, gap.received_to, gap.sample_rate, count, 1, now]
            for name, count in gap.skipped.items()
        ]
        self.store.client().insert("evaluation_gaps", rows, column_names=COLUMNS)
