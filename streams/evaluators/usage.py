"""The usage evaluator: what each call cost, how long it took, how many tokens, whether it failed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.prices import PriceTable


class UsageEvaluator(Evaluator):
    """Turns usage fields into metrics; cost comes from the event, else from the price table, else none."""

    name = "usage"
    version = "1"
    cost = "arithmetic only"

    def __init__(self, prices: PriceTable) -> None:
        self.prices = prices

    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        """Up to four metrics per event: error, latency_ms, total_tokens, cost_usd."""
        results: list[Evaluation] = []
        for event in batch:
            results.append(self.result(event, "error", float(event.status == "error"), event.status, _error(event)))
            if event.latency_ms is not None:
                results.append(self.result(event, "latency_ms", event.latency_ms))
            usage = event.usage
            if usage is not None and usage.total_tokens is not None:
                tokens = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
                results.append(self.result(event, "total_tokens", float(usage.total_tokens), details=tokens))
            cost = self._cost(event)
            if cost is not None:
                results.append(self.result(event, "cost_usd", cost[0], cost[1], cost[2]))
        return results

    def _cost(self, event: InferenceEvent) -> tuple[float, str, dict[str, Any]] | None:
        """(cost, how it was known, evidence), or None when neither the event nor the table can say."""
        usage = event.usage
        if usage is not None and usage.cost is not None:
            return usage.cost, "reported", {}
        if usage is None or (usage.input_tokens is None and usage.output_tokens is None):
            return None
        found = self.prices.find(event.model)
        if found is None:
            return None
        entry, price = found
        cost = price.cost(usage.input_tokens or 0, usage.output_tokens or 0)
        return cost, "priced", {"price_entry": entry, "usd_per_mtok": {"input": price.input, "output": price.output}}


def _error(event: InferenceEvent) -> dict[str, Any]:
    return {"error": event.error[:1000]} if event.error else {}
