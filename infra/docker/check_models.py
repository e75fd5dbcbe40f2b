"""Image build step: every local evaluator loads and scores one event offline, so no model is fetched at run time."""

from telltale_server.schemas.events import InferenceEvent
from telltale_server.schemas.settings import Settings
from telltale_server.streams.evaluators import registry
from telltale_server.streams.pipeline import Pipeline, ProjectEvent

evaluators = registry.build(Settings(), tuple(registry.DEFAULT))
event = InferenceEvent.model_validate(
    {
        "event_id": "3f0c1b9e-5b7a-4e8e-9d1e-2a7c4b1f6d10",
        "ts": "2026-01-01T00:00:00Z",
        "model": "gpt-4o-mini",
        "input": "What is the refund window?",
        "output": "Refunds are available within 30 days.",
        "contexts": ["Refunds are available within 30 days of purchase."],
    }
)
rows = Pipeline(evaluators).evaluate([ProjectEvent("build", event)])
print(f"{len(evaluators)} evaluators loaded: {', '.join(e.name for e in evaluators)}; {len(rows)} evaluation rows")
