"""The retrieval evaluator on hand-written calls: relevant and off-topic passages, empty retrievals, duplicates,
the retriever's scores, and utilisation as the groundedness evaluator reports it."""

from __future__ import annotations

from typing import Any

import pytest

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.streams.evaluators.embeddings import wordllama
from telltale_server.streams.evaluators.groundedness.evaluator import GroundednessEvaluator
from telltale_server.streams.evaluators.retrieval.evaluator import RetrievalEvaluator
from tests.support.events import REFUND_PASSAGE, inference_event

pytestmark = pytest.mark.models
"""They load WordLlama: not in the fast tier."""

QUESTION = "How long do refunds take to reach my card?"
OFF_TOPIC = "The mobile app is available for iOS 16 and Android 12 or later and syncs offline changes."
THEMES = "Workspace themes can be changed under Settings, Appearance; a dark theme follows the system setting."


@pytest.fixture(scope="module")
def retrieval() -> RetrievalEvaluator:
    return RetrievalEvaluator(wordllama.shared())


def judged(evaluator: RetrievalEvaluator, contexts: list[Any], **fields: Any) -> dict[str, Evaluation]:
    """The call's evaluations by metric."""
    event = inference_event(input=fields.pop("input", QUESTION), contexts=contexts, **fields)
    return {r.metric: r for r in evaluator.evaluate([event])}


def test_the_passage_that_answers_is_relevant_and_an_off_topic_one_is_not(retrieval: RetrievalEvaluator) -> None:
    share = judged(retrieval, [REFUND_PASSAGE, OFF_TOPIC])["relevant_share"]
    assert (share.label, share.value) == ("relevant", 0.5)
    first, second = share.details["passages"]
    assert first["relevant"] and not second["relevant"]
    assert first["relevance"] > share.details["threshold"] > second["relevance"]


def test_only_off_topic_passages_are_irrelevant_context(retrieval: RetrievalEvaluator) -> None:
    share = judged(retrieval, [OFF_TOPIC, THEMES])["relevant_share"]
    assert (share.label, share.value) == ("irrelevant_context", 0.0)


def test_the_question_is_the_users_turn_not_the_system_prompt(retrieval: RetrievalEvaluator) -> None:
    chat = [
        {"role": "system", "content": "You are the help assistant for mobile apps, iOS and Android."},
        {"role": "user", "content": QUESTION},
    ]
    assert judged(retrieval, [OFF_TOPIC], input=chat)["relevant_share"].label == "irrelevant_context"


def test_an_empty_retrieval_is_no_context_and_a_call_without_retrieval_is_not_judged(
    retrieval: RetrievalEvaluator,
) -> None:
    empty = inference_event(contexts=[], attributes={"telltale.retrieval": "joined"})
    without = inference_event(contexts=[])
    assert retrieval.applies_to(empty) and not retrieval.applies_to(without)
    [result] = retrieval.evaluate([empty])
    assert (result.metric, result.value, result.label) == ("relevant_share", None, "no_context")


def test_repeated_passages_are_duplicates(retrieval: RetrievalEvaluator) -> None:
    found = judged(retrieval, [REFUND_PASSAGE, OFF_TOPIC, "  " + REFUND_PASSAGE.upper(), REFUND_PASSAGE])
    duplicates = found["duplicates"]
    assert (duplicates.label, duplicates.value) == ("duplicates", 0.5)
    assert duplicates.details["repeated"] == [{"index": 2, "duplicate_of": 0}, {"index": 3, "duplicate_of": 0}]
    assert found["relevant_share"].details["passages"][3]["duplicate_of"] == 0
    assert judged(retrieval, [REFUND_PASSAGE, OFF_TOPIC])["duplicates"].label == "distinct"


def test_the_retrievers_scores_are_kept_when_sent(retrieval: RetrievalEvaluator) -> None:
    contexts = [{"text": REFUND_PASSAGE, "score": 0.9}, {"text": OFF_TOPIC, "score": 0.7}, {"text": THEMES}]
    found = judged(retrieval, contexts)
    assert found["retriever_score"].value == pytest.approx(0.8)
    assert found["retriever_score"].details == {"scored": 2}
    assert [p["retriever_score"] for p in found["relevant_share"].details["passages"]] == [0.9, 0.7, None]
    assert "retriever_score" not in judged(retrieval, [REFUND_PASSAGE])


def test_a_batch_is_judged_call_by_call(retrieval: RetrievalEvaluator) -> None:
    calls = [inference_event(input=QUESTION, contexts=[c]) for c in (REFUND_PASSAGE, OFF_TOPIC)]
    labels = {(r.event_id, r.label) for r in retrieval.evaluate(calls) if r.metric == "relevant_share"}
    assert labels == {(calls[0].event_id, "relevant"), (calls[1].event_id, "irrelevant_context")}


def test_utilisation_names_the_passages_the_supported_claims_came_from() -> None:
    """Which passages the answer used is the groundedness evaluator's: it already matched each claim to one."""
    answer = "Refunds take 5 to 10 business days to appear. Refunds are issued to the original payment method."
    event = inference_event(input=QUESTION, output=answer, contexts=[OFF_TOPIC, REFUND_PASSAGE, THEMES])
    found = {r.metric: r for r in GroundednessEvaluator(wordllama.shared()).evaluate([event])}
    utilisation = found["utilisation"]
    assert utilisation.value == pytest.approx(1 / 3, abs=1e-3)
    assert utilisation.details == {"used": [{"index": 1, "id": None, "claims": 2}], "unused": [0, 2]}


def test_an_unsupported_answer_used_no_passage() -> None:
    event = inference_event(output="Refunds arrive within 24 hours by cheque.", contexts=[OFF_TOPIC])
    found = {r.metric: r for r in GroundednessEvaluator(wordllama.shared()).evaluate([event])}
    assert (found["score"].label, found["utilisation"].value) == ("ungrounded", 0.0)


def test_without_a_question_only_duplicates_are_judged_and_empty_passages_are_fine(
    retrieval: RetrievalEvaluator,
) -> None:
    system_only = [{"role": "system", "content": "Answer from the passages."}]
    found = judged(retrieval, ["", REFUND_PASSAGE, ""], input=system_only)
    assert set(found) == {"duplicates"}
    assert found["duplicates"].details["repeated"] == [{"index": 2, "duplicate_of": 0}]
    share = judged(retrieval, ["", REFUND_PASSAGE])["relevant_share"]
    assert [p["relevant"] for p in share.details["passages"]] == [False, True]
