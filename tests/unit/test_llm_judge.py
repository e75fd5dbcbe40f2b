"""llm_judge against a real chat-completions server on loopback: request shape, scores, sampling, limits, retries."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.schemas.settings import Settings
from telltale_server.streams.evaluators import registry
from telltale_server.streams.evaluators.llm_judge.client import ChatClient
from telltale_server.streams.evaluators.llm_judge.config import JudgeConfig
from telltale_server.streams.evaluators.llm_judge.evaluator import LlmJudgeEvaluator
from telltale_server.streams.evaluators.llm_judge.verdict import UnparseableVerdict, parse
from telltale_server.streams.evaluators.policy import sampled
from telltale_server.streams.evaluators.prices import Price
from telltale_server.streams.pipeline import run_isolated
from tests.support.chat_server import HANG, ChatServer, Reply, asked_metrics, verdict
from tests.support.events import inference_event
from tests.support.server import free_port

DAY0 = 1_767_225_600.0
"""2026-01-01T00:00:00Z: the fake clock's start."""


class Clock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = DAY0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[ChatServer]:
    srv = ChatServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def judge(server: ChatServer, clock: Clock, sleeps: list[float] | None = None, **overrides: Any) -> LlmJudgeEvaluator:
    """A judge on the test server: every event sampled, generous limits unless overridden, sleeps recorded."""
    config = JudgeConfig(
        url=server.url, model="judge-model", price=Price(0.0, 0.0), api_key="sk-test", sample_rate=1.0, max_retries=3
    )
    config = replace(config, **overrides)
    recorded = sleeps if sleeps is not None else []
    return LlmJudgeEvaluator(config, ChatClient(config, sleep=recorded.append), clock=clock)


def rag_event(**fields: Any) -> InferenceEvent:
    rag = {
        "input": "How long is the refund window?",
        "output": "Refunds are accepted within 30 days of delivery.",
        "contexts": ["Our policy: refunds within 30 days of delivery.", {"text": "Shipping is free over $50."}],
    }
    return inference_event(**{**rag, **fields})


def by_metric(results: list[Evaluation]) -> dict[str, Evaluation]:
    return {result.metric: result for result in results}


def test_request_shape_and_parsed_scores(server: ChatServer, clock: Clock) -> None:
    item = rag_event()
    results = by_metric(judge(server, clock).evaluate([item]))

    [request] = server.requests
    assert request["model"] == "judge-model"
    assert request["temperature"] == 0
    assert request["response_format"] == {"type": "json_object"}
    assert server.headers[0]["authorization"] == "Bearer sk-test"
    system, user = request["messages"]
    assert (system["role"], user["role"]) == ("system", "user")
    assert asked_metrics(request) == ["groundedness", "relevance", "coherence", "fluency"]
    assert "How long is the refund window?" in user["content"]
    assert "Refunds are accepted within 30 days of delivery." in user["content"]
    assert "[1] Our policy: refunds within 30 days of delivery." in user["content"]
    assert "[2] Shipping is free over $50." in user["content"]

    assert {m: (r.value, r.label) for m, r in results.items()} == {
        "groundedness": (5.0, "good"),
        "relevance": (4.0, "good"),
        "coherence": (3.0, "fair"),
        "fluency": (2.0, "poor"),
    }
    assert results["groundedness"].details == {"reason": "groundedness reason", "model": "judge-model"}
    assert {(r.event_id, r.evaluator, r.evaluator_version) for r in results.values()} == {
        (item.event_id, "llm_judge", "1")
    }


def test_no_contexts_means_no_groundedness(server: ChatServer, clock: Clock) -> None:
    results = judge(server, clock).evaluate([inference_event(contexts=[])])
    assert {r.metric for r in results} == {"relevance", "coherence", "fluency"}
    assert asked_metrics(server.requests[0]) == ["relevance", "coherence", "fluency"]
    assert "<context>" not in server.requests[0]["messages"][1]["content"]
    assert "groundedness" not in server.requests[0]["messages"][0]["content"]


def test_no_question_means_no_relevance(server: ChatServer, clock: Clock) -> None:
    results = judge(server, clock).evaluate([inference_event(input="", contexts=["Refunds within 30 days."])])
    assert {r.metric for r in results} == {"groundedness", "coherence", "fluency"}


def test_sampling_is_deterministic_by_event_id(server: ChatServer, clock: Clock) -> None:
    events = [inference_event(event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"e{i}"))) for i in range(40)]
    evaluator = judge(server, clock, sample_rate=0.3)
    expected = {e.event_id for e in events if sampled(e.event_id, 0.3)}
    assert 0 < len(expected) < len(events)

    first = {r.event_id for r in evaluator.evaluate(events)}
    assert first == expected
    assert len(server.requests) == len(expected)
    assert {r.event_id for r in evaluator.evaluate(events)} == expected


def test_per_minute_call_budget(server: ChatServer, clock: Clock) -> None:
    evaluator = judge(server, clock, calls_per_minute=3)
    events = [rag_event() for _ in range(5)]
    results = evaluator.evaluate(events)

    assert len(server.requests) == 3
    skipped = [r for r in results if r.label == "skipped"]
    assert [r.event_id for r in skipped] == [e.event_id for e in events[3:]]
    assert all(r.metric == "skipped" and r.value is None for r in skipped)
    assert "per-minute budget of 3" in skipped[0].details["reason"]

    clock.now += 59
    assert [r.label for r in evaluator.evaluate([rag_event()])] == ["skipped"]
    clock.now += 2
    assert {r.metric for r in evaluator.evaluate([rag_event()])} == {
        "groundedness",
        "relevance",
        "coherence",
        "fluency",
    }
    assert len(server.requests) == 4


def test_daily_spend_cap(server: ChatServer, clock: Clock) -> None:
    # $100 per million output tokens: a call reserves 512 tokens ($0.0512), then settles at the 100 reported ($0.01).
    evaluator = judge(server, clock, price=Price(0.0, 100.0), daily_usd_cap=0.07)

    first = evaluator.evaluate([rag_event(), rag_event()])
    assert [r.label for r in first if r.label == "skipped"] == ["skipped"]
    assert "daily judge spend cap of $0.07" in next(r for r in first if r.label == "skipped").details["reason"]
    assert len(server.requests) == 1

    assert "skipped" not in {r.label for r in evaluator.evaluate([rag_event()])}  # $0.01 spent + $0.0512 fits
    assert [r.label for r in evaluator.evaluate([rag_event()])] == ["skipped"]  # $0.02 + $0.0512 does not
    assert len(server.requests) == 2

    clock.now += 86_400
    assert "skipped" not in {r.label for r in evaluator.evaluate([rag_event()])}
    assert len(server.requests) == 3


def test_retries_on_500_and_429_then_success(server: ChatServer, clock: Clock) -> None:
    server.script.extend([Reply(500, "boom"), Reply(429, "slow down", {"Retry-After": "7"})])
    sleeps: list[float] = []
    results = judge(server, clock, sleeps).evaluate([rag_event()])

    assert len(server.requests) == 3
    assert len(sleeps) == 2 and sleeps[1] == 7.0
    assert {r.label for r in results} == {"good", "fair", "poor"}


def test_retries_exhausted_is_an_error_evaluation(server: ChatServer, clock: Clock) -> None:
    server.script.extend([Reply(503, "down")] * 3)
    sleeps: list[float] = []
    [result] = judge(server, clock, sleeps, max_retries=2).evaluate([rag_event()])

    assert (result.metric, result.label, result.value) == ("error", "error", None)
    assert "HTTP 503" in result.details["error"]
    assert (len(server.requests), len(sleeps)) == (3, 2)


def test_4xx_is_not_retried(server: ChatServer, clock: Clock) -> None:
    server.script.append(Reply(401, '{"error": {"message": "bad key"}}'))
    sleeps: list[float] = []
    [result] = judge(server, clock, sleeps).evaluate([rag_event()])

    assert result.label == "error"
    assert "JudgeHTTPError: HTTP 401" in result.details["error"]
    assert (len(server.requests), sleeps) == (1, [])


def test_timeout_is_retried_then_reported(server: ChatServer, clock: Clock) -> None:
    server.script.extend(
        [HANG, verdict(json.dumps({m: 4 for m in ("groundedness", "relevance", "coherence", "fluency")}))]
    )
    sleeps: list[float] = []
    results = judge(server, clock, sleeps, timeout_s=0.2).evaluate([rag_event()])
    assert {(r.value, r.label) for r in results} == {(4.0, "good")}
    assert len(sleeps) == 1

    server.script.append(HANG)
    [result] = judge(server, clock, timeout_s=0.2, max_retries=0).evaluate([rag_event()])
    assert result.label == "error"
    assert "Timeout" in result.details["error"]


def test_unparseable_answer_is_an_error_for_that_event_only(server: ChatServer, clock: Clock) -> None:
    def respond(request: dict[str, Any]) -> Reply:
        if "BROKEN" in request["messages"][1]["content"]:
            return verdict("Sure! The answer looks great to me.")
        return server.default(request)

    server.respond = respond
    broken, fine = rag_event(output="BROKEN answer."), rag_event()
    results = judge(server, clock).evaluate([broken, fine])

    [error] = [r for r in results if r.event_id == broken.event_id]
    assert error.label == "error"
    assert "not a JSON object" in error.details["error"]
    assert len([r for r in results if r.event_id == fine.event_id]) == 4


def test_one_slow_call_does_not_hold_the_others(server: ChatServer, clock: Clock) -> None:
    """The first call is answered only once the second has arrived: that needs both in flight at once."""
    second_arrived = threading.Event()

    def respond(request: dict[str, Any]) -> Reply:
        if "FIRST" in request["messages"][1]["content"]:
            second_arrived.wait(10)
        else:
            second_arrived.set()
        return server.default(request)

    server.respond = respond
    first, second = rag_event(output="FIRST answer."), rag_event(output="SECOND answer.")
    results = judge(server, clock, timeout_s=5, max_retries=0, concurrency=2).evaluate([first, second])
    assert "error" not in {r.label for r in results}
    assert len(results) == 8


def test_pipeline_isolation_never_calls_twice() -> None:
    """A dead endpoint gives each event one error row; the batch never raises, so run_isolated cannot re-call."""
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there: connections are refused
    config = JudgeConfig(url=url, model="m", price=Price(0.0, 0.0), sample_rate=1.0, max_retries=1)
    sleeps: list[float] = []
    evaluator = LlmJudgeEvaluator(config, ChatClient(config, sleep=sleeps.append), clock=Clock())
    events = [rag_event(), rag_event()]
    results = run_isolated(evaluator, events)
    assert [(r.event_id, r.label) for r in results] == [(e.event_id, "error") for e in events]
    assert "ConnectError" in results[0].details["error"]
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("answer", "scores"),
    [
        ('{"coherence": {"score": 4, "reason": "ok"}, "fluency": {"score": 5}}', (4.0, 5.0)),
        ('```json\n{"coherence": {"score": 4}, "fluency": {"score": 5}}\n```', (4.0, 5.0)),
        ('Here you go: {"Coherence": {"score": "3"}, "fluency": 1} Hope it helps.', (3.0, 1.0)),
    ],
)
def test_parse_tolerates_fences_prose_and_bare_scores(answer: str, scores: tuple[float, float]) -> None:
    verdicts = parse(answer, ("coherence", "fluency"))
    assert (verdicts["coherence"].score, verdicts["fluency"].score) == scores


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("no json here", "not a JSON object"),
        ('{"coherence": {"score": 4}}', "no 'fluency'"),
        ('{"coherence": {"score": 7}, "fluency": 3}', "outside 1-5"),
        ('{"coherence": {"score": "high"}, "fluency": 3}', "not a number"),
        ('{"coherence": true, "fluency": 3}', "outside 1-5"),
    ],
)
def test_parse_refuses_what_is_not_a_verdict(answer: str, message: str) -> None:
    with pytest.raises(UnparseableVerdict, match=message):
        parse(answer, ("coherence", "fluency"))


def test_registry_builds_the_judge_only_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "llm_judge" not in registry.DEFAULT
    with pytest.raises(ValueError, match="TELLTALE_JUDGE_URL"):
        registry.build(Settings(), ("llm_judge",))
    monkeypatch.setenv("TELLTALE_JUDGE_URL", "http://127.0.0.1:9/v1/chat/completions")
    monkeypatch.setenv("TELLTALE_JUDGE_MODEL", "house-judge-7b")
    with pytest.raises(ValueError, match="no price for judge model"):
        registry.build(Settings(), ("llm_judge",))
    monkeypatch.setenv("TELLTALE_JUDGE_USD_PER_MTOK_INPUT", "0")
    monkeypatch.setenv("TELLTALE_JUDGE_API_KEY", "sk-secret")
    [built] = registry.build(Settings(), ("llm_judge",))
    assert isinstance(built, LlmJudgeEvaluator)
    assert built.config.endpoint() == "http://127.0.0.1:9/v1/chat/completions"
    assert built.config.price == Price(0.0, 0.0)
    assert "sk-secret" not in repr(built.config)
