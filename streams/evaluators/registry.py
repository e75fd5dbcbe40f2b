"""Which evaluators exist and how each is built from the settings."""

from __future__ import annotations

from collections.abc import Callable

from schemas.settings import Settings
from streams.evaluators.base import Evaluator
from streams.evaluators.llm_judge.config import JudgeConfig
from streams.evaluators.llm_judge.evaluator import LlmJudgeEvaluator
from streams.evaluators.pii.evaluator import PiiEvaluator
from streams.evaluators.prices import PriceTable
from streams.evaluators.usage import UsageEvaluator

FACTORIES: dict[str, Callable[[Settings], Evaluator]] = {
    UsageEvaluator.name: lambda settings: UsageEvaluator(PriceTable.load(settings.prices_file)),
    PiiEvaluator.name: lambda settings: PiiEvaluator(),
    LlmJudgeEvaluator.name: lambda settings: LlmJudgeEvaluator(JudgeConfig.from_settings(settings)),
}
DEFAULT = (UsageEvaluator.name, PiiEvaluator.name)
"""The local evaluators; the paid llm_judge runs only when named (TELLTALE_EVALUATORS, --evaluator)."""


def build(settings: Settings, names: tuple[str, ...] = DEFAULT) -> list[Evaluator]:
    """Instantiate the named evaluators once per process (models load here, not per event)."""
    unknown = [name for name in names if name not in FACTORIES]
    if unknown:
        raise ValueError(f"unknown evaluator(s) {unknown}; known: {sorted(FACTORIES)}")
    return [FACTORIES[name](settings) for name in names]
