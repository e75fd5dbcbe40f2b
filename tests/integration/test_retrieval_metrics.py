"""The retrieval metrics through the catalog on the real embedded store: the same numbers from raw rows and from
the per-minute rollups, per route, for relevant, off-topic and empty retrievals and the answers' utilisation."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from telltale_server.schemas.events import InferenceEvent
from telltale_server.schemas.rows import inference_row
from telltale_server.services.metrics.catalog import Filters, Window, compute_many
from telltale_server.services.runtime import Runtime
from telltale_server.streams.evaluators.embeddings import wordllama
from telltale_server.streams.evaluators.groundedness.evaluator import GroundednessEvaluator
from telltale_server.streams.evaluators.retrieval.evaluator import RetrievalEvaluator
from telltale_server.streams.pipeline import Pipeline, ProjectEvent
from telltale_server.streams.rollups.builder import RollupBuilder
from telltale_server.streams.sink import Sink
from tests.support.events import REFUND_PASSAGE, inference
from tests.support.rollups import settled

pytestmark = pytest.mark.models

END = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
START = END - timedelta(minutes=30)
OFF_TOPIC = "The mobile app is available for iOS 16 and Android 12 or later and syncs offline changes."
QUESTION = "How long do refunds take to reach my card?"
ANSWER = "Refunds take 5 to 10 business days to appear."
METRICS = [
    "retrieval.relevant_share",
    "retrieval.irrelevant_rate",
    "retrieval.empty_rate",
    "retrieval.duplicate_rate",
    "retrieval.utilisation",
]


def call(minute: int, route: str, contexts: list[str], **fields: Any) -> InferenceEvent:
    at = (START + timedelta(minutes=minute, seconds=10)).isoformat()
    return InferenceEvent.model_validate(
        inference(ts=at, route=route, input=QUESTION, output=ANSWER, contexts=contexts, **fields)
    )


@pytest.fixture(scope="module")
def stored(runtime: Runtime) -> str:
    """Route `good`: the answering passage beside an off-topic one (twice, once repeated). Route `stale`: an
    off-topic passage, and a retrieval that came back empty. Evaluated, stored and rolled up."""
    project = f"retrieval-{uuid.uuid4().hex[:8]}"
    calls = [
        call(1, "good", [REFUND_PASSAGE, OFF_TOPIC]),
        call(2, "good", [REFUND_PASSAGE, OFF_TOPIC, REFUND_PASSAGE, OFF_TOPIC]),
        call(3, "stale", [OFF_TOPIC]),
        call(4, "stale", [], attributes={"telltale.retrieval": "joined"}),
    ]
    Sink(runtime.store).inference([inference_row(project, c, END) for c in calls])
    evaluators = [RetrievalEvaluator(wordllama.shared()), GroundednessEvaluator(wordllama.shared())]
    rows = Pipeline(evaluators).evaluate([ProjectEvent(project, c) for c in calls])
    Sink(runtime.store).evaluations(rows)
    RollupBuilder(runtime.store).build_pending(project_id=project)
    return project


def per_route(runtime: Runtime, project: str, raw: bool) -> dict[str, dict[str, tuple[float | None, int]]]:
    window = replace(Window(project, END, 1800, Filters(), ("route",)), raw=raw)
    found = compute_many(runtime.store, METRICS, window)
    return {name: {s.labels["route"]: (s.value, s.samples) for s in samples} for name, samples in found.items()}


def test_each_route_reads_what_its_retriever_returned(runtime: Runtime, stored: str) -> None:
    assert settled(runtime.store, stored, START, END)
    metrics = per_route(runtime, stored, raw=False)
    assert metrics["retrieval.relevant_share"] == {"good": (0.5, 2), "stale": (0.0, 1)}
    assert metrics["retrieval.irrelevant_rate"] == {"good": (0.0, 2), "stale": (1.0, 1)}
    assert metrics["retrieval.empty_rate"] == {"good": (0.0, 2), "stale": (0.5, 2)}
    assert metrics["retrieval.duplicate_rate"] == {"good": (0.5, 2), "stale": (0.0, 1)}
    good_used, good_calls = metrics["retrieval.utilisation"]["good"]
    assert good_calls == 2 and good_used == pytest.approx((1 / 2 + 1 / 4) / 2)
    assert metrics["retrieval.utilisation"]["stale"] == (0.0, 1)


def test_rollups_and_raw_rows_agree(runtime: Runtime, stored: str) -> None:
    assert per_route(runtime, stored, raw=False) == per_route(runtime, stored, raw=True)
