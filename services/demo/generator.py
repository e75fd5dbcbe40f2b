"""Generates the demo's inference and feedback events: deterministic for a seed, with known failure rates."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telltale_server.services.demo import corpus, spanish

MODELS: tuple[tuple[str, str, float, float], ...] = (
    ("gpt-4o-mini", "openai", 0.55, 900.0),
    ("gpt-4o", "openai", 0.2, 1800.0),
    ("claude-3-5-haiku-20241022", "anthropic", 0.15, 1200.0),
    ("llama-3.1-8b-instruct", "together", 0.1, 600.0),
)
"""(model, provider, share of traffic, median latency in ms)."""

PROMPT_VERSIONS = {
    "support/answer": ("answer-v3", "answer-v4"),
    "billing/explain": ("billing-v2",),
    "search/summarize": ("summarize-v1",),
    "chat/smalltalk": ("chat-v1",),
}
SYSTEM_PROMPT = "You are the Acme Cloud help assistant. Answer only from the provided passages."


OVERLOADED_MODEL = "gpt-4o"
"""The model whose provider is overloaded: most of the demo's errors (429s, timeouts) are its calls."""
FABRICATING_MODEL = "llama-3.1-8b-instruct"
"""The small model that invents details: most of the demo's unsupported answers are its answers."""
LEAKING_ROUTE = "support/answer"
"""The route whose prompt pulls in account records: every personal-data leak of the demo is on it."""
OFF_TOPIC_ROUTE = "billing/explain"
"""The route whose search index is stale: for a share of its calls it returns off-topic passages, and the model
dutifully answers from them. The answer is grounded (groundedness cannot see the failure), and useless."""


@dataclass(frozen=True)
class Rates:
    """Share of calls with each failure; the rest are healthy, grounded answers or ordinary refusals.

    Failures are where production puts them, so the demo's per-model and per-route rules point somewhere:
    errors mostly on the overloaded model, unsupported answers mostly on the fabricating one, and leaks on
    one route only (`pii` is that route's share), off-topic retrievals on another; elsewhere they are rare or
    absent."""

    error: float = 0.01
    error_overloaded: float = 0.2
    slow: float = 0.03
    ungrounded: float = 0.01
    ungrounded_fabricating: float = 0.4
    toxic: float = 0.02
    pii: float = 0.06
    injection: float = 0.02
    off_topic: float = 0.6
    """Share of the off-topic route's calls whose retrieval returns only off-topic passages."""
    out_of_scope: float = 0.05
    """Ordinary questions the help centre does not cover, answered with a polite refusal (not a failure)."""
    feedback: float = 0.3
    spanish: float = 0.15
    """Share of the questions on a fact the Spanish help centre covers that Spanish-speaking users ask, in Spanish."""
    ungrounded_spanish: float = 0.35
    """Their answers invent details this much more often: the group the disparity view and rule should find."""

    def of(self, model: str, route: str) -> dict[str, float]:
        """The failure shares of a call to `model` on `route`."""
        return {
            "error": self.error_overloaded if model == OVERLOADED_MODEL else self.error,
            "slow": self.slow,
            "ungrounded": self.ungrounded_fabricating if model == FABRICATING_MODEL else self.ungrounded,
            "toxic": self.toxic,
            "pii": self.pii if route == LEAKING_ROUTE else 0.0,
            "injection": self.injection,
            "off_topic": self.off_topic if route == OFF_TOPIC_ROUTE else 0.0,
        }


@dataclass(frozen=True)
class DemoCall:
    """One generated call, its feedback, and what went wrong with it (for tests, never sent)."""

    inference: dict[str, Any]
    feedback: list[dict[str, Any]]
    failure: str | None = None


SWAPPED_ROUTE, SWAPPED_TO = "search/summarize", ("gpt-4.1-mini", "openai", 700.0)
"""After the shift, this route moves to a new model (what a drift monitor should see on this route only)."""


@dataclass
class DemoTraffic:
    """A seeded stream of calls spread over [start, end); `calls(n)` yields them in time order.

    From `shift_at` on, the traffic drifts as production traffic does: more billing questions, longer
    (still grounded) answers, and the search route swapped to another model."""

    seed: int = 7
    rates: Rates = field(default_factory=Rates)
    shift_at: datetime | None = None

    def calls(self, n: int, start: datetime | None = None, end: datetime | None = None) -> Iterator[DemoCall]:
        rng = random.Random(self.seed)
        side = random.Random(f"{self.seed}/spanish")
        end = end or datetime.now(UTC)
        start = start or end - timedelta(hours=1)
        span = (end - start).total_seconds()
        for i in range(n):
            ts = start + timedelta(seconds=span * (i + rng.random()) / n)
            yield self._call(rng, ts, side)

    def _call(self, rng: random.Random, ts: datetime, side: random.Random) -> DemoCall:
        shifted = self.shift_at is not None and ts >= self.shift_at
        model, provider, median_ms = _pick_model(rng)
        contexts: list[dict[str, Any]] = []
        fact: corpus.Fact | None = None
        roll = rng.random()
        if roll < 0.1:
            route, question, answer = "chat/smalltalk", *rng.choice(corpus.SMALLTALK)
        elif roll < 0.1 + self.rates.out_of_scope:
            route, question, answer = LEAKING_ROUTE, rng.choice(corpus.OUT_OF_SCOPE), rng.choice(corpus.REFUSALS)
            contexts = _contexts(rng, None)
        else:
            fact = _pick_fact(rng, shifted)
            route, question, answer = fact.route, rng.choice(fact.questions), _answer(fact, shifted)
            contexts = _contexts(rng, fact)
            if shifted and route == SWAPPED_ROUTE:
                model, provider, median_ms = SWAPPED_TO
        failure = _pick_failure(rng, self.rates.of(model, route))
        asked = None
        if fact is not None and failure in (None, "slow", "ungrounded"):
            rates = self.rates
            asked = spanish.pick(side, fact.id, rates.spanish, rates.ungrounded_spanish, failure == "ungrounded")
        if asked is not None:
            question, answer, contexts[0]["text"] = asked.question, asked.answer, asked.passage
            failure = "ungrounded" if asked.fabricated else failure
        elif failure == "ungrounded":
            if fact is None:
                failure = None  # small talk and refusals claim nothing to fabricate
            else:
                answer = fact.fabricated
        elif failure == "injection":
            question = rng.choice(corpus.INJECTIONS)
            answer = "I can only help with questions about your Acme Cloud workspace."
        elif failure == "toxic":
            answer = rng.choice(corpus.TOXIC_OUTPUTS)
        elif failure == "pii":
            answer = rng.choice(corpus.PII_OUTPUTS)
        elif failure == "off_topic":
            contexts = _contexts(rng, None)
            answer = contexts[0]["text"]
        latency = rng.lognormvariate(0, 0.35) * median_ms * (12 if failure == "slow" else 1)
        input_tokens = _tokens(SYSTEM_PROMPT + question + " ".join(c["text"] for c in contexts))
        output_tokens = _tokens(answer)
        event: dict[str, Any] = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "ts": ts.isoformat(),
            "trace_id": f"{rng.getrandbits(128):032x}",
            "span_id": f"{rng.getrandbits(64):016x}",
            "app": "acme-help",
            "route": route,
            "environment": "production" if rng.random() < 0.9 else "staging",
            "model": model,
            "provider": provider,
            "prompt_version": rng.choice(PROMPT_VERSIONS[route]),
            "input": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": question}],
            "output": answer,
            "contexts": contexts,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
            "latency_ms": round(latency, 1),
            "user_id": f"user-{rng.randrange(400):03d}",
            "session_id": f"session-{rng.randrange(3000):04d}",
            "tags": ["demo"],
        }
        event["attributes"] = {"plan": _plan(event["user_id"])}
        if failure == "error":
            event.update(status="error", error=rng.choice(corpus.ERRORS), output=None, latency_ms=round(latency / 3, 1))
            event["usage"] = {"input_tokens": input_tokens, "output_tokens": 0}
        return DemoCall(event, _feedback(rng, event, failure, self.rates.feedback), failure)


def _plan(user_id: str) -> str:
    """Each demo user's plan (`user-123`): a fifth on enterprise, two fifths on pro and two on free."""
    return ("enterprise", "enterprise", "pro", "pro", "pro", "pro", "free", "free", "free", "free")[int(user_id[-1])]


def _pick_model(rng: random.Random) -> tuple[str, str, float]:
    roll, total = rng.random(), 0.0
    for model, provider, share, median in MODELS:
        total += share
        if roll < total:
            return model, provider, median
    model, provider, _, median = MODELS[-1]
    return model, provider, median


def _pick_fact(rng: random.Random, shifted: bool) -> corpus.Fact:
    """Uniform over the help centre; after the shift, billing questions are four times as common."""
    if not shifted:
        return rng.choice(corpus.FACTS)
    weights = [4.0 if fact.route == "billing/explain" else 1.0 for fact in corpus.FACTS]
    return rng.choices(corpus.FACTS, weights=weights)[0]


def _answer(fact: corpus.Fact, shifted: bool) -> str:
    """The faithful answer; after the shift, longer: it also quotes the passage's last sentence."""
    if not shifted:
        return fact.answer
    last = fact.passage.rstrip().rsplit(". ", 1)[-1]
    return f"{fact.answer} {last}"


def _pick_failure(rng: random.Random, shares: dict[str, float]) -> str | None:
    roll, total = rng.random(), 0.0
    for name, share in shares.items():
        total += share
        if roll < total:
            return name
    return None


def _contexts(rng: random.Random, fact: corpus.Fact | None) -> list[dict[str, Any]]:
    """The right passage and two distractors, in retrieval-score order, as a retriever returns them; for a
    question the help centre does not cover, three distractors."""
    found = [(fact.id, fact.passage)] if fact else []
    passages = found + [
        (f"kb-misc-{corpus.DISTRACTORS.index(text)}", text) for text in rng.sample(corpus.DISTRACTORS, 3 - len(found))
    ]
    scores = sorted((rng.uniform(0.55, 0.92) for _ in passages), reverse=True)
    return [
        {"id": pid, "text": text, "source": f"https://help.acme-cloud.example/{pid}", "score": round(score, 3)}
        for (pid, text), score in zip(passages, scores, strict=True)
    ]


def _feedback(rng: random.Random, event: dict[str, Any], failure: str | None, rate: float) -> list[dict[str, Any]]:
    """Users give feedback on some calls, far more often negative when something went wrong."""
    if rng.random() >= (rate * 2 if failure else rate):
        return []
    base = {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "inference_id": event["event_id"],
        "ts": (datetime.fromisoformat(event["ts"]) + timedelta(seconds=rng.uniform(5, 120))).isoformat(),
        "user_id": event["user_id"],
        "tags": ["demo"],
    }
    bad = (failure is not None and rng.random() < 0.85) or (failure is None and rng.random() < 0.08)
    if failure == "ungrounded" and rng.random() < 0.4:
        return [{**base, "kind": "correction", "correction": "The help centre says otherwise; please check it."}]
    if failure in ("toxic", "pii") and rng.random() < 0.5:
        return [{**base, "kind": "flag", "comment": f"Reported as {failure}", "value": failure}]
    if rng.random() < 0.7:
        return [{**base, "kind": "thumbs", "value": "down" if bad else "up"}]
    return [{**base, "kind": "rating", "value": rng.choice((1, 2)) if bad else rng.choice((4, 5))}]


def _tokens(text: str) -> int:
    """About 1.3 tokens per word, the usual ratio for English with BPE tokenizers."""
    return max(1, round(len(text.split()) * 1.3))
