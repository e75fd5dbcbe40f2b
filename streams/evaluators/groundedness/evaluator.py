"""The groundedness evaluator: share of an answer's claims that the retrieved passages support."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.groundedness.novelty import PassageFacts
from telltale_server.streams.evaluators.groundedness.text import content_tokens, sentences, tokens

SUPPORT_THRESHOLD = 0.5
"""A claim is supported when at least half of it is found in one passage sentence (in words or meaning)
after the red-flag penalty. A round number chosen before measuring, not fitted to a benchmark."""
MAX_PASSAGE_SENTENCES = 400
"""Passage sentences compared per event; later ones are ignored to bound the cost on huge contexts."""
MIN_CLAIM_WORDS = 1


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Claim:
    sentence: str
    support: float
    best: int
    reasons: list[str]


class GroundednessEvaluator(Evaluator):
    """Checks each claim sentence against the passages: word overlap, embedding similarity, red flags.

    Without contexts there is nothing to check against, and without claims nothing to check:
    such events get no groundedness evaluation at all rather than a made-up score.
    """

    name = "groundedness"
    version = "1"
    requires = ("contexts", "output")
    cost = "~5 ms per RAG event (WordLlama static embeddings, no neural network at run time)"

    def __init__(self, embedder: Embedder, threshold: float = SUPPORT_THRESHOLD) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        """One `score` evaluation per event with claims: supported share, label grounded or ungrounded."""
        results = []
        for event in batch:
            evaluation = self._judge(event)
            if evaluation is not None:
                results.append(evaluation)
        return results

    def _judge(self, event: InferenceEvent) -> Evaluation | None:
        claims = [s for s in sentences(event.output or "") if _is_claim(s)]
        if not claims:
            return None
        passages = [(index, s) for index, c in enumerate(event.contexts) for s in sentences(c.text)]
        passages = passages[:MAX_PASSAGE_SENTENCES]
        if not passages:
            return None
        judged = self._claims(claims, [s for _, s in passages], " ".join(c.text for c in event.contexts))
        unsupported = [claim for claim in judged if claim.support < self.threshold]
        score = 1 - len(unsupported) / len(judged)
        return self.result(
            event,
            "score",
            score,
            "grounded" if not unsupported else "ungrounded",
            {
                "claims": len(judged),
                "min_support": min(claim.support for claim in judged),
                "threshold": self.threshold,
                "unsupported": [_explain(claim, passages, event) for claim in unsupported],
            },
        )

    def _claims(self, claims: list[str], passage_sentences: list[str], passages: str) -> list[Claim]:
        """Support of each claim: max(word overlap, mean of overlap and cosine) minus 3x the red-flag penalty."""
        vectors = self.embedder.embed(claims + passage_sentences)
        cosine = vectors[: len(claims)] @ vectors[len(claims) :].T
        passage_tokens = [set(tokens(s)) for s in passage_sentences]
        facts = PassageFacts(passages)
        judged = []
        for i, claim in enumerate(claims):
            words = set(tokens(claim))
            overlap = np.array([len(words & p) / len(words) for p in passage_tokens])
            blended = np.maximum(overlap, (overlap + cosine[i]) / 2)
            best = int(blended.argmax())
            novelty = facts.novelty(claim, passage_sentences[best])
            support = float(blended[best]) - 3 * novelty.penalty()
            judged.append(Claim(claim, round(support, 4), best, novelty.reasons()))
        return judged


def _is_claim(sentence: str) -> bool:
    """Greetings and fillers ('Sure!', 'Happy to help.') claim nothing; numbers always count."""
    return len(content_tokens(sentence)) >= MIN_CLAIM_WORDS or any(ch.isdigit() for ch in sentence)


def _explain(claim: Claim, passages: list[tuple[int, str]], event: InferenceEvent) -> dict[str, Any]:
    index, sentence = passages[claim.best]
    return {
        "sentence": claim.sentence,
        "support": claim.support,
        "reasons": claim.reasons,
        "best_passage": {"index": index, "id": event.contexts[index].id, "sentence": sentence},
    }
