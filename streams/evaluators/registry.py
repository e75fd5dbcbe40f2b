"""Which evaluators exist and how each is built from the settings."""

from __future__ import annotations

from collections.abc import Callable

from telltale_server.schemas.settings import Settings
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.embeddings import minilm, wordllama
from telltale_server.streams.evaluators.groundedness.evaluator import GroundednessEvaluator
from telltale_server.streams.evaluators.injection import model as injection_model
from telltale_server.streams.evaluators.injection.evaluator import InjectionEvaluator
from telltale_server.streams.evaluators.language import LanguageEvaluator
from telltale_server.streams.evaluators.llm_judge.config import JudgeConfig
from telltale_server.streams.evaluators.llm_judge.evaluator import LlmJudgeEvaluator
from telltale_server.streams.evaluators.pii.evaluator import PiiEvaluator
from telltale_server.streams.evaluators.prices import PriceTable
from telltale_server.streams.evaluators.retrieval.evaluator import RetrievalEvaluator
from telltale_server.streams.evaluators.toxicity import model as toxicity_model
from telltale_server.streams.evaluators.toxicity.evaluator import ToxicityEvaluator
from telltale_server.streams.evaluators.usage import UsageEvaluator

FACTORIES: dict[str, Callable[[Settings], Evaluator]] = {
    UsageEvaluator.name: lambda settings: UsageEvaluator(PriceTable.load(settings.prices_file)),
    PiiEvaluator.name: lambda settings: PiiEvaluator(),
    GroundednessEvaluator.name: lambda settings: GroundednessEvaluator(wordllama.shared()),
    InjectionEvaluator.name: lambda settings: InjectionEvaluator(minilm.shared(), injection_model.shipped()),
    ToxicityEvaluator.name: lambda settings: ToxicityEvaluator(minilm.shared(), toxicity_model.shipped()),
    RetrievalEvaluator.name: lambda settings: RetrievalEvaluator(wordllama.shared()),
    LlmJudgeEvaluator.name: lambda settings: LlmJudgeEvaluator(JudgeConfig.from_settings(settings)),
    LanguageEvaluator.name: lambda settings: LanguageEvaluator(),
}
KINDS: dict[str, type[Evaluator]] = {
    kind.name: kind
    for kind in (
        UsageEvaluator,
        PiiEvaluator,
        GroundednessEvaluator,
        InjectionEvaluator,
        ToxicityEvaluator,
        RetrievalEvaluator,
        LlmJudgeEvaluator,
        LanguageEvaluator,
    )
}
"""Each evaluator's class: its name, version, needs and cost, known without loading a model."""
DEFAULT = (
    UsageEvaluator.name,
    PiiEvaluator.name,
    GroundednessEvaluator.name,
    InjectionEvaluator.name,
    ToxicityEvaluator.name,
    RetrievalEvaluator.name,
    LanguageEvaluator.name,
)
"""The local evaluators; the paid llm_judge runs only when named (TELLTALE_EVALUATORS, --evaluator)."""


def configured(settings: Settings) -> tuple[str, ...]:
    """The evaluators this deployment runs: TELLTALE_EVALUATORS, else the local defaults."""
    return tuple(settings.evaluators or DEFAULT)


def kinds(names: tuple[str, ...] = DEFAULT) -> list[type[Evaluator]]:
    """The named evaluators' classes (what a process that scores elsewhere needs to describe them)."""
    unknown = [name for name in names if name not in FACTORIES]
    if unknown:
        raise ValueError(f"unknown evaluator(s) {unknown}; known: {sorted(FACTORIES)}")
    return [KINDS[name] for name in names]


def build(settings: Settings, names: tuple[str, ...] = DEFAULT) -> list[Evaluator]:
    """Instantiate the named evaluators once per process (models load here, not per event)."""
    kinds(names)
    return [FACTORIES[name](settings) for name in names]
