"""The groundedness evaluator: share of an answer's claims that the retrieved passages support, and refusals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.evaluators.groundedness.novelty import PassageFacts
from telltale_server.streams.evaluators.groundedness.speech_acts import clauses, speech_act
from telltale_server.streams.evaluators.groundedness.text import content_tokens, sentences, tokens

SUPPORT_THRESHOLD = 0.55
"""A claim is supported when its support reaches this: the words (all, and content words alone, averaged) or
meaning found in its closest passage sentence, minus the red-flag and scatter penalties. Chosen on BEGIN dev
with leave-one-source-out folds (bench/groundedness_folds.py): each fold picks its threshold on two dialogue
sources and is measured on the third; the three folds' picks lie within 0.02 of this value."""
RED_FLAG_WEIGHT = 3.0
"""Red flags (an invented number, name or flipped negation) outweigh any wording match: fabrications look fluent."""
SCATTER_WEIGHT = 0.2
"""A claim whose content words are nowhere in the passages loses up to this much support."""
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

    Refusals, deflections, courtesy and questions back to the user claim nothing, so they never make an answer
    ungrounded; whether the answer refused is its own metric, `refusal`, because a refusal rate is a signal.
    Without contexts there is nothing to check against, and without claims nothing to check: such events
    get no `score` rather than a made-up one.
    """

    name = "groundedness"
    version = "2"
    requires = ("contexts", "output")
    cost = "~5 ms per RAG event (WordLlama static embeddings, no neural network at run time)"

    def __init__(self, embedder: Embedder, threshold: float = SUPPORT_THRESHOLD) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        """Per answered event: `refusal` (refused or answered) and, when it claims something, `score`
        (supported share, label grounded or ungrounded)."""
        results = []
        for event in batch:
            if not event.output or not event.contexts:
                continue
            acts = [(c, speech_act(c)) for s in sentences(event.output) for c in clauses(s)]
            claims = [s for s, act in acts if act == "claim" and _is_claim(s)]
            others = [{"sentence": s, "act": act} for s, act in acts if act != "claim"]
            refused = not claims and any(act == "refusal" for _, act in acts)
            label = "refused" if refused else "answered"
            results.append(self.result(event, "refusal", float(refused), label, {"not_claims": others}))
            evaluation = self._judge(event, claims, others)
            if evaluation is not None:
                results.append(evaluation)
        return results

    def _judge(self, event: InferenceEvent, claims: list[str], others: list[dict[str, str]]) -> Evaluation | None:
        passages = [(index, s) for index, c in enumerate(event.contexts) for s in sentences(c.text)]
        passages = passages[:MAX_PASSAGE_SENTENCES]
        if not claims or not passages:
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
                "refusals": [other["sentence"] for other in others if other["act"] == "refusal"],
            },
        )

    def _claims(self, claims: list[str], passage_sentences: list[str], passages: str) -> list[Claim]:
        """Support of each claim: the best of (word overlap, its mean with cosine) over passage sentences, minus
        the red flags of that sentence and the share of the claim's content words found nowhere in the passages."""
        vectors = self.embedder.embed(claims + passage_sentences)
        cosine = vectors[: len(claims)] @ vectors[len(claims) :].T
        passage_words = [(set(tokens(s)), set(content_tokens(s))) for s in passage_sentences]
        facts = PassageFacts(passages)
        everywhere = set(content_tokens(passages))
        judged = []
        for i, claim in enumerate(claims):
            words, content = set(tokens(claim)), set(content_tokens(claim))
            overlap = np.array(
                [(_share(words, w) + (_share(content, c) if content else 1.0)) / 2 for w, c in passage_words]
            )
            blended = np.maximum(overlap, (overlap + cosine[i]) / 2)
            best = int(blended.argmax())
            novelty = facts.novelty(claim, passage_sentences[best])
            missing = 1 - _share(content, everywhere) if content else 0.0
            support = float(blended[best]) - RED_FLAG_WEIGHT * novelty.penalty() - SCATTER_WEIGHT * missing
            judged.append(Claim(claim, round(support, 4), best, novelty.reasons()))
        return judged


def _share(words: set[str], found: set[str]) -> float:
    """Share of `words` that are in `found`."""
    return len(words & found) / len(words) if words else 0.0


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
