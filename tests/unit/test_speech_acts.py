"""What an answer's sentences do, told by their form: a claim to check, or a refusal, question or courtesy."""

from __future__ import annotations

import pytest

from telltale_server.streams.evaluators.groundedness.speech_acts import clauses, speech_act


@pytest.mark.parametrize(
    ("sentence", "act"),
    [
        ("Sorry, refunds take 5 days.", "claim"),
        ("Unfortunately usage-based charges are not refundable.", "claim"),
        ("I'm not sure, but I think refunds go to the original card.", "claim"),
        ("Did you know refunds go back to the original payment method?", "claim"),
        ("Do you know which plan you are on?", "question"),
        ("Please contact your workspace owner.", "refusal"),
        ("I don't have access to your billing details.", "refusal"),
        ("Let me know if you have other questions.", "courtesy"),
        ("I can answer questions about plans, billing and your data.", "courtesy"),
        ("I can help with 3 things.", "claim"),
    ],
)
def test_speech_acts_are_told_by_form(sentence: str, act: str) -> None:
    assert speech_act(sentence) == act


def test_a_statement_before_a_question_is_still_a_claim() -> None:
    assert clauses("Refunds take a week, do you want to start one?") == [
        "Refunds take a week",
        "do you want to start one?",
    ]
    assert clauses("Could you tell me which plan you're on?") == ["Could you tell me which plan you're on?"]
