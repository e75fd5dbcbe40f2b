"""The language evaluator on the user's last turn: several languages, short turns, and turns too short to tell."""

from __future__ import annotations

import pytest

from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.language import UNDETERMINED, LanguageEvaluator
from tests.support.events import inference

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def evaluator() -> LanguageEvaluator:
    return LanguageEvaluator()


def _label(evaluator: LanguageEvaluator, **fields: object) -> str | None:
    found = evaluator.evaluate([InferenceEvent.model_validate(inference(**fields))])
    return found[0].label if found else None


@pytest.mark.parametrize(
    ("turn", "language"),
    [
        ("How long do refunds take?", "en"),
        ("Can I get a refund?", "en"),
        ("¿Cuánto tiempo tardan los reembolsos?", "es"),
        ("¿Puedo obtener un reembolso?", "es"),
        ("Combien de temps prend un remboursement ?", "fr"),
        ("Wie lange dauert die Rückerstattung?", "de"),
        ("Quanto tempo demora o reembolso?", "pt"),
        ("返金にはどのくらいかかりますか\uff1f", "ja"),
        ("Как долго длится возврат?", "ru"),
        ("Gracias", "es"),
    ],
)
def test_the_language_of_short_turns(evaluator: LanguageEvaluator, turn: str, language: str) -> None:
    assert _label(evaluator, input=turn) == language


@pytest.mark.parametrize("turn", ["ok", "hi", "?", "12345"])
def test_a_turn_too_short_to_tell_is_undetermined(evaluator: LanguageEvaluator, turn: str) -> None:
    assert _label(evaluator, input=turn) == UNDETERMINED


def test_the_last_user_turn_is_read_not_the_system_prompt(evaluator: LanguageEvaluator) -> None:
    messages = [
        {"role": "system", "content": "You are the help assistant. Answer only from the provided passages."},
        {"role": "user", "content": "How long do refunds take to reach my card?"},
        {"role": "assistant", "content": "Five to ten business days."},
        {"role": "user", "content": [{"type": "text", "text": "¿Y puedo pedir el reembolso de los cargos por uso?"}]},
    ]
    [found] = evaluator.evaluate([InferenceEvent.model_validate(inference(input=messages))])
    assert (found.evaluator, found.metric, found.label) == ("language", "user", "es")
    assert found.value is not None and 0.1 <= found.value <= 1.0


def test_no_user_text_no_evaluation(evaluator: LanguageEvaluator) -> None:
    assert _label(evaluator, input=[{"role": "system", "content": "Answer from the passages."}]) is None
    assert _label(evaluator, input="   ") is None


def test_a_long_turn_is_read_from_its_start(evaluator: LanguageEvaluator) -> None:
    assert _label(evaluator, input="¿Cuánto cuesta el plan Pro al mes? " * 5000) == "es"
