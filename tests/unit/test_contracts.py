"""The v1 contracts: forgiving where it costs nothing, precise where it matters, limits enforced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from telltale_server.schemas import limits
from telltale_server.schemas.events import FeedbackEvent, InferenceEvent
from telltale_server.schemas.json_schema import CONTRACTS, JSON_DIR, render
from telltale_server.services.ingest.validate import is_branch_name
from tests.support.events import feedback, inference


def errors_of(model: type, data: dict) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [
        (".".join(str(part) for part in e["loc"] if not is_branch_name(part)), e["msg"]) for e in caught.value.errors()
    ]


def test_five_fields_make_a_complete_event() -> None:
    event = InferenceEvent.model_validate(
        {
            "event_id": "3f0c1b9e-5b7a-4e8e-9d1e-2a7c4b1f6d10",
            "ts": "2026-01-01T00:00:00Z",
            "model": "m",
            "input": "hi",
            "output": "hello",
        }
    )
    assert event.status == "ok"
    assert event.contexts == []
    assert event.schema_version == 1


def test_input_may_be_chat_messages_with_content_parts() -> None:
    event = InferenceEvent.model_validate(
        inference(
            input=[
                {"role": "system", "content": "Be brief."},
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "Hi"}, {"type": "image_url"}],
                    "tool_call_id": "call_1",
                },
            ]
        )
    )
    assert event.input_text() == "Be brief.\nHi"
    assert event.input[1].model_extra == {"tool_call_id": "call_1"}  # type: ignore[union-attr]


def test_contexts_accept_strings_and_objects() -> None:
    event = InferenceEvent.model_validate(
        inference(contexts=["plain passage", {"text": "t", "id": "d1", "score": 0.4}])
    )
    assert [c.text for c in event.contexts] == ["plain passage", "t"]
    assert event.contexts[1].id == "d1"


def test_usage_accepts_openai_names_and_derives_total() -> None:
    event = InferenceEvent.model_validate(inference(usage={"prompt_tokens": 10, "completion_tokens": 5}))
    assert event.usage is not None
    assert (event.usage.input_tokens, event.usage.output_tokens, event.usage.total_tokens) == (10, 5, 15)


def test_naive_timestamps_are_utc_and_far_future_is_refused() -> None:
    event = InferenceEvent.model_validate(inference(ts="2026-03-01T12:00:00"))
    assert event.ts == datetime(2026, 3, 1, 12, tzinfo=UTC)
    future = (datetime.now(UTC) + timedelta(hours=limits.MAX_CLOCK_SKEW_HOURS + 1)).isoformat()
    assert errors_of(InferenceEvent, inference(ts=future))[0][0] == "ts"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"schema_version": 2}, "schema_version"),
        ({"status": "failed"}, "status"),
        ({"model": 42}, "model"),
        ({"event_id": "not-a-uuid"}, "event_id"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"project_id": "someone-else"}, "project_id"),
        ({"contexts": [{"txt": "typo"}]}, "contexts.0.text"),
        ({"output": "x" * (limits.MAX_TEXT_CHARS + 1)}, "output"),
        ({"contexts": ["c"] * (limits.MAX_CONTEXTS + 1)}, "contexts"),
        ({"tags": ["t"] * (limits.MAX_TAGS + 1)}, "tags"),
        ({"attributes": {f"k{i}": i for i in range(limits.MAX_ATTRIBUTES + 1)}}, "attributes"),
    ],
)
def test_inference_refusals_name_the_field(override: dict, field: str) -> None:
    fields = [path for path, _ in errors_of(InferenceEvent, inference(**override))]
    assert field in fields


def test_unknown_schema_version_says_what_is_accepted() -> None:
    assert errors_of(InferenceEvent, inference(schema_version=2))[0][1].endswith("this server accepts 1")


def test_missing_required_fields() -> None:
    data = inference()
    del data["model"], data["input"]
    assert {path for path, _ in errors_of(InferenceEvent, data)} == {"model", "input"}


@pytest.mark.parametrize(("value", "expected"), [(True, True), ("down", False), ("UP", True), (1, True), (-1, False)])
def test_thumbs_spellings_normalise(value: object, expected: bool) -> None:
    event = FeedbackEvent.model_validate(feedback(value=value))
    assert event.value is expected
    assert event.is_negative() is (not expected)


def test_ratings_are_scored_and_low_ones_negative() -> None:
    low = FeedbackEvent.model_validate(feedback(kind="rating", value=2))
    high = FeedbackEvent.model_validate(feedback(kind="rating", value=5))
    assert (low.score(), low.is_negative()) == (0.25, True)
    assert (high.score(), high.is_negative()) == (1.0, False)


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"kind": "rating", "value": 9}, "outside 1..5"),
        ({"kind": "rating", "value": "great"}, "numeric value"),
        ({"kind": "thumbs", "value": "maybe"}, "thumbs value"),
        ({"kind": "correction", "value": None}, "needs the `correction` text"),
        ({"inference_id": "nope"}, "valid UUID"),
    ],
)
def test_feedback_refusals_explain(override: dict, reason: str) -> None:
    messages = [msg for _, msg in errors_of(FeedbackEvent, feedback(**override))]
    assert any(reason in msg for msg in messages), messages


def test_feedback_needs_an_inference_or_a_trace() -> None:
    data = feedback()
    del data["inference_id"]
    assert any("one of inference_id or trace_id" in msg for _, msg in errors_of(FeedbackEvent, data))


def test_feedback_by_trace_and_flags_are_negative() -> None:
    data = feedback(trace_id="abc", kind="flag", value=None)
    del data["inference_id"]
    event = FeedbackEvent.model_validate(data)
    assert event.is_negative() and event.score() is None


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_json_schema_files_are_current(name: str) -> None:
    """Fails when a contract changed without `python -m telltale_server.schemas.json_schema`."""
    assert (JSON_DIR / name).read_text() == render(CONTRACTS[name])


@pytest.mark.parametrize("model", [InferenceEvent, FeedbackEvent])
def test_times_the_store_cannot_keep_are_refused_and_the_epoch_is_kept(model: type) -> None:
    make = inference if model is InferenceEvent else feedback
    assert model.model_validate(make(ts="1970-01-01T00:00:00Z")).ts == datetime(1970, 1, 1, tzinfo=UTC)
    assert model.model_validate(make(ts="1973-03-03T09:46:39Z")).ts.year == 1973
    [(field, reason)] = errors_of(model, make(ts="1969-12-31T23:59:59Z"))
    assert field == "ts" and "before 1970-01-01T00:00:00Z" in reason


def test_token_counts_stop_at_the_store_range_and_never_wrap() -> None:
    top = limits.MAX_TOKENS
    usage = InferenceEvent.model_validate(inference(usage={"input_tokens": top, "total_tokens": top})).usage
    assert usage is not None and usage.input_tokens == top
    for count in (top + 1, 2**64, 2**70):
        assert errors_of(InferenceEvent, inference(usage={"input_tokens": count}))[0][0] == "usage.input_tokens"
    [(field, reason)] = errors_of(InferenceEvent, inference(usage={"input_tokens": top, "output_tokens": 1}))
    assert field == "usage" and "exceeds 4294967295" in reason


@pytest.mark.parametrize("cost", [1.7e308, limits.MAX_COST_USD * 2, "inf", "NaN", -1.0])
def test_costs_are_finite_and_bounded(cost: object) -> None:
    assert errors_of(InferenceEvent, inference(usage={"cost": cost}))[0][0] == "usage.cost"


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**80])
def test_integer_attributes_are_64_bit(value: int) -> None:
    assert errors_of(InferenceEvent, inference(attributes={"n": value}))[0][0].startswith("attributes.n")
    assert InferenceEvent.model_validate(inference(attributes={"n": 2**63 - 1})).attributes["n"] == 2**63 - 1


def test_free_form_message_json_nests_within_the_limit() -> None:
    def nested(depth: int) -> object:
        value: object = "leaf"
        for _ in range(depth):
            value = [value]
        return value

    ok = [{"role": "user", "content": [{"type": "text", "text": "hi", "x": nested(limits.MAX_NESTING - 3)}]}]
    assert InferenceEvent.model_validate(inference(input=ok)).input_text() == "hi"
    deep = [{"role": "user", "content": [{"type": "text", "x": nested(300)}], "tool_calls": nested(500)}]
    found = {path: reason for path, reason in errors_of(InferenceEvent, inference(input=deep)) if "nested" in reason}
    assert found == {
        "input.0": f"Value error, nested deeper than {limits.MAX_NESTING} levels at "
        + "tool_calls"
        + ".0" * (limits.MAX_NESTING - 1)
    }
