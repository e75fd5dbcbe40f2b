"""Groundedness on hand-written cases: fabrications caught, and what claims nothing never made ungrounded."""

from __future__ import annotations

import pytest

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.streams.evaluators.embeddings import wordllama
from telltale_server.streams.evaluators.groundedness.evaluator import GroundednessEvaluator
from tests.support.events import REFUND_PASSAGE, inference_event

pytestmark = pytest.mark.models
"""They load WordLlama: not in the fast tier (the speech acts, which need no model, are in test_speech_acts.py)."""


def judged(evaluator: GroundednessEvaluator, output: str, contexts: list[str] | None = None) -> dict[str, Evaluation]:
    """The event's evaluations by metric."""
    return {
        r.metric: r for r in evaluator.evaluate([inference_event(output=output, contexts=contexts or [REFUND_PASSAGE])])
    }


@pytest.fixture(scope="module")
def groundedness() -> GroundednessEvaluator:
    return GroundednessEvaluator(wordllama.shared())


def test_an_invented_number_is_unsupported(groundedness: GroundednessEvaluator) -> None:
    answer = "You can get a refund within 30 days of your first payment. The money arrives within 24 hours."
    result = judged(groundedness, answer, [REFUND_PASSAGE, "The app runs on iOS 16."])["score"]
    assert (result.label, result.value) == ("ungrounded", 0.5)
    [unsupported] = result.details["unsupported"]
    assert unsupported["sentence"] == "The money arrives within 24 hours."
    assert "number not in the passages: 24" in unsupported["reasons"]
    assert unsupported["best_passage"]["index"] == 0


def test_a_paraphrase_is_supported(groundedness: GroundednessEvaluator) -> None:
    answer = "Refunds go back to the original payment method and take 5 to 10 business days to appear."
    result = judged(groundedness, answer)
    assert (result["score"].label, result["score"].value, result["score"].details["unsupported"]) == (
        "grounded",
        1.0,
        [],
    )
    assert (result["refusal"].label, result["refusal"].value) == ("answered", 0.0)


def test_a_negation_the_passages_do_not_make_is_flagged(groundedness: GroundednessEvaluator) -> None:
    result = judged(groundedness, "Refunds are not available within 30 days of the first payment.")
    assert result["score"].label == "ungrounded"


def test_no_contexts_no_evaluation(groundedness: GroundednessEvaluator) -> None:
    without = inference_event(output="Refunds take 5 to 10 business days.", contexts=[])
    assert not groundedness.applies_to(without)
    assert groundedness.evaluate([without]) == []


@pytest.mark.parametrize(
    "answer",
    [
        "I can only help with questions about your Acme Cloud workspace.",
        "Sorry, I don't know.",
        "I'm sorry, but I can't share that information.",
        "Unfortunately, the passages don't mention that.",
        "I\u2019m afraid that is outside the scope of what I can answer. Is there anything else I can do for you?",
    ],
)
def test_a_refusal_is_not_ungrounded_and_is_recorded(groundedness: GroundednessEvaluator, answer: str) -> None:
    result = judged(groundedness, answer)
    assert "score" not in result
    assert (result["refusal"].label, result["refusal"].value) == ("refused", 1.0)
    assert "refusal" in {s["act"] for s in result["refusal"].details["not_claims"]}


@pytest.mark.parametrize(
    "answer",
    ["Could you tell me which plan you're on?", "Happy to help!", "Hello! Thanks for reaching out.", "Sure thing."],
)
def test_questions_and_courtesy_claim_nothing_and_refuse_nothing(
    groundedness: GroundednessEvaluator, answer: str
) -> None:
    result = judged(groundedness, answer)
    assert "score" not in result
    assert result["refusal"].label == "answered"


def test_a_refusal_beside_a_fabrication_leaves_the_fabrication_judged(groundedness: GroundednessEvaluator) -> None:
    answer = "I can't see your invoices. Refunds arrive within 24 hours. Could you tell me which plan you're on?"
    result = judged(groundedness, answer)
    assert (result["score"].label, result["score"].details["claims"]) == ("ungrounded", 1)
    assert result["score"].details["refusals"] == ["I can't see your invoices."]
    assert result["refusal"].label == "answered"
