"""The safety.pii evaluator: flags leaks per side with types and spans, never storing the values."""

from __future__ import annotations

from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.pii.evaluator import PiiEvaluator
from tests.support.events import inference


def test_leak_in_output_is_flagged_with_spans_but_no_values() -> None:
    output = "Reach Dana at dana@example.org or card 4111 1111 1111 1111."
    event = InferenceEvent.model_validate(inference(input="Who is my manager?", output=output))
    results = {e.metric: e for e in PiiEvaluator().evaluate([event])}
    assert (results["output"].value, results["output"].label) == (1.0, "pii")
    assert results["output"].details["types"] == {"EMAIL": 1, "CREDIT_CARD": 1}
    spans = results["output"].details["spans"]
    assert [output[s["start"] : s["end"]] for s in spans] == ["dana@example.org", "4111 1111 1111 1111"]
    assert "dana@example.org" not in str(results["output"].details)
    assert (results["input"].value, results["input"].label, results["input"].details) == (0.0, "clean", {})


def test_empty_sides_are_not_judged() -> None:
    event = InferenceEvent.model_validate(inference(input="", output=None, status="error"))
    assert PiiEvaluator().evaluate([event]) == []
