"""The llm_judge evaluator: groundedness, relevance, coherence and fluency (1-5) from an LLM, within limits."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.llm_judge.budget import Budget, OverBudget, Reservation
from telltale_server.streams.evaluators.llm_judge.client import ChatClient, Completion
from telltale_server.streams.evaluators.llm_judge.config import MAX_OUTPUT_TOKENS, JudgeConfig
from telltale_server.streams.evaluators.llm_judge.prompts import messages_for, metrics_for
from telltale_server.streams.evaluators.llm_judge.verdict import Verdict, parse
from telltale_server.streams.evaluators.policy import sampled

SKIPPED = "skipped"
"""Metric and label of the marker an event in the sample gets when a limit kept it from being judged."""
CHARS_PER_TOKEN = 4
"""Rough token estimate for reserving spend before the call; the endpoint's reported usage settles it."""


class LlmJudgeEvaluator(Evaluator):
    """One call per sampled event; never raises per event, because the pipeline's retry would pay for calls twice."""

    name = "llm_judge"
    version = "1"
    requires = ("output",)
    cost = "one chat-completions call per sampled event (~1-3 s, billed at the judge model's token prices)"

    def __init__(
        self,
        config: JudgeConfig,
        client: ChatClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.client = client or ChatClient(config)
        self.budget = Budget(config.calls_per_minute, config.daily_usd_cap, clock)

    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        """Per sampled event: a score per quality, or one `skipped` marker (over a limit), or one `error`."""
        results: list[Evaluation] = []
        calls: list[tuple[InferenceEvent, tuple[str, ...], list[dict[str, str]], Reservation]] = []
        for event in batch:
            if not sampled(event.event_id, self.config.sample_rate):
                continue
            metrics = metrics_for(event)
            messages = messages_for(event, metrics)
            try:
                reservation = self.budget.reserve(self._estimate(messages))
            except OverBudget as refusal:
                results.append(self.result(event, SKIPPED, None, SKIPPED, {"reason": str(refusal)}))
                continue
            calls.append((event, metrics, messages, reservation))
        if calls:
            with ThreadPoolExecutor(max_workers=min(self.config.concurrency, len(calls))) as pool:
                for judged in pool.map(lambda call: self._judge(*call), calls):
                    results.extend(judged)
        return results

    def _judge(
        self,
        event: InferenceEvent,
        metrics: tuple[str, ...],
        messages: list[dict[str, str]],
        reservation: Reservation,
    ) -> list[Evaluation]:
        """The event's scores; a failed call keeps its reserved spend (it may have been billed)."""
        try:
            completion = self.client.complete(messages)
            self.budget.settle(reservation, self._cost(completion, messages))
            verdicts = parse(completion.text, metrics)
        except Exception as error:  # a network, HTTP or parse failure stays with its event
            return [Evaluation.failure(event.event_id, self.name, self.version, error)]
        return [self._score(event, metric, verdict) for metric, verdict in verdicts.items()]

    def _score(self, event: InferenceEvent, metric: str, verdict: Verdict) -> Evaluation:
        details = {"reason": verdict.reason, "model": self.config.model}
        return self.result(event, metric, verdict.score, verdict.label(), details)

    def _estimate(self, messages: list[dict[str, str]]) -> float:
        """The most a call can cost: its prompt at ~4 characters a token and a full-length answer."""
        return self.config.price.cost(_tokens(messages), MAX_OUTPUT_TOKENS)

    def _cost(self, completion: Completion, messages: list[dict[str, str]]) -> float:
        """The call's cost from the endpoint's token counts, estimated from the text where it gave none."""
        input_tokens = completion.input_tokens if completion.input_tokens is not None else _tokens(messages)
        output_tokens = completion.output_tokens
        if output_tokens is None:
            output_tokens = len(completion.text) // CHARS_PER_TOKEN + 1
        return self.config.price.cost(input_tokens, output_tokens)


def _tokens(messages: list[dict[str, str]]) -> int:
    return sum(len(message["content"]) for message in messages) // CHARS_PER_TOKEN + 1
