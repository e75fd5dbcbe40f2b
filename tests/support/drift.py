"""Generated traffic for drift tests: two segments (models A and B), with chosen signals shifted in B only."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.schemas.rows import evaluation_row, inference_row
from telltale_server.schemas.store import Store
from telltale_server.streams.sink import Sink

VERBS = ("rename", "delete", "restore", "archive", "export")
NOUNS = ("invoice", "account", "profile", "project")
NEW_NOUNS = ("cluster", "gateway", "backups", "secrets")
"""Same length as NOUNS: new topics that leave the texts' length and word counts where they were."""
ANSWER = "Open the settings page and choose the action you need."


@dataclass(frozen=True)
class Shift:
    """What changes in model B's traffic: latency, error rate (categorical), answer length (text), topics."""

    latency: bool = False
    errors: bool = False
    longer_answers: bool = False
    new_topics: bool = False


def events(n: int, start: datetime, end: datetime, seed: int, shift: Shift = Shift()) -> list[InferenceEvent]:
    """n calls spread over [start, end), half on model A, half on model B (which carries the shift)."""
    rng = random.Random(seed)
    span = (end - start).total_seconds()
    made = []
    for i in range(n):
        model = "model-a" if i % 2 else "model-b"
        shifted = shift if model == "model-b" else Shift()
        nouns = NEW_NOUNS if shifted.new_topics else NOUNS
        error_rate = 0.4 if shifted.errors else 0.03
        made.append(
            InferenceEvent.model_validate(
                {
                    "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "ts": (start + timedelta(seconds=span * rng.random())).isoformat(),
                    "model": model,
                    "route": "support",
                    "input": f"How do I {rng.choice(VERBS)} my {rng.choice(nouns)}?",
                    "output": " ".join([ANSWER] * (rng.randint(5, 8) if shifted.longer_answers else rng.randint(1, 3))),
                    "latency_ms": rng.lognormvariate(6.5, 0.3) * (3 if shifted.latency else 1),
                    "status": "error" if rng.random() < error_rate else "ok",
                }
            )
        )
    return made


def store_events(store: Store, project: str, made: list[InferenceEvent], seed: int) -> None:
    """The events, and a groundedness score for each from the same distribution on both sides."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    Sink(store).inference([inference_row(project, e, now) for e in made])
    scores = [
        evaluation_row(
            project,
            e,
            Evaluation(
                event_id=e.event_id,
                evaluator="groundedness",
                evaluator_version="t",
                metric="score",
                value=rng.betavariate(8, 2),
                label="grounded",
            ),
            now,
        )
        for e in made
    ]
    Sink(store).evaluations(scores)
