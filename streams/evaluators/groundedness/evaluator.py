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
from telltale_server.streams.evaluators.groundedness.text import STOP_WORDS, content_tokens, sentences, tokens

SUPPORT_THRESHOLD = 0.55
"""A claim is supported when its support reaches this: the words (all, and content words alone, averaged) or
meaning found in its closest passage sentence or pair of adjacent sentences, minus the red-flag and scatter
penalties. Chosen on BEGIN dev with leave-one-source-out folds (bench/evaluators.py): each fold picks the
threshold best on the worse of two dialogue sources and is measured on the third. The folds picked 0.55-0.63,
on a plateau where balanced accuracy moves by < 0.015; 0.55 is best on all three sources together."""
RED_FLAG_WEIGHT = 3.0
"""Red flags (an invented number, name or flipped negation) outweigh any wording match: fabrications look fluent."""
SCATTER_WEIGHT = 0.2
"""A claim whose content words are nowhere in the passages loses up to this much support."""
MAX_PASSAGE_SENTENCES = 400
"""Passage sentences compared per event (with their adjacent pairs); later ones are ignored to bound the cost."""
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
    version = "3"
    requires = ("contexts", "output")
    cost = "~5 ms per RAG event (WordLlama static embeddings, no neural network at run time)"

    def __init__(self, embedder: Embedder, threshold: float = SUPPORT_THRESHOLD) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def evaluate(self, batch: Sequence[InferenceEvent]) -> list[Evaluation]:
        """Per answered event: `refusal` (refused or answered) and, when it claims something, `score`
        (supported share, label grounded or ungrounded) and `utilisation` (which passages it drew on)."""
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
            results += self._judge(event, claims, others)
        return results

    def _judge(self, event: InferenceEvent, claims: list[str], others: list[dict[str, str]]) -> list[Evaluation]:
        found = [(index, s) for index, c in enumerate(event.contexts) for s in sentences(c.text)]
        found = found[:MAX_PASSAGE_SENTENCES]
        if not claims or not found:
            return []
        pairs = [(i, i + 1) for i in range(len(found) - 1) if found[i][0] == found[i + 1][0]]
        units = found + [(found[a][0], f"{found[a][1]} {found[b][1]}") for a, b in pairs]
        judged = self._claims(claims, [s for _, s in found], pairs, " ".join(c.text for c in event.contexts))
        unsupported = [claim for claim in judged if claim.support < self.threshold]
        score = 1 - len(unsupported) / len(judged)
        grounded = self.result(
            event,
            "score",
            score,
            "grounded" if not unsupported else "ungrounded",
            {
                "claims": len(judged),
                "min_support": min(claim.support for claim in judged),
                "threshold": self.threshold,
                "unsupported": [_explain(claim, units, event) for claim in unsupported],
                "refusals": [other["sentence"] for other in others if other["act"] == "refusal"],
            },
        )
        supported = [units[claim.best][0] for claim in judged if claim.support >= self.threshold]
        return [grounded, self._utilisation(event, supported)]

    def _utilisation(self, event: InferenceEvent, supported: list[int]) -> Evaluation:
        """Share of the passages that some supported claim came from (its best passage), and which they were:
        context utilisation, read by the retrieval metrics; passages nothing came from were retrieved for nothing."""
        used = sorted(set(supported))
        details = {
            "used": [{"index": i, "id": event.contexts[i].id, "claims": supported.count(i)} for i in used],
            "unused": [i for i in range(len(event.contexts)) if i not in used],
        }
        return self.result(event, "utilisation", round(len(used) / len(event.contexts), 4), None, details)

    def _claims(
        self, claims: list[str], passage_sentences: list[str], pairs: list[tuple[int, int]], passages: str
    ) -> list[Claim]:
        """Support of each claim: the best of (word overlap, its mean with cosine) over passage sentences and
        adjacent pairs of them (an answer often joins two), minus the red flags of that text and the share of
        the claim's content words found nowhere in the passages."""
        vectors = self.embedder.embed(claims + passage_sentences)
        units, texts = vectors[len(claims) :], list(passage_sentences)
        single = [set(tokens(s)) for s in passage_sentences]
        if pairs:
            joined = units[[a for a, _ in pairs]] + units[[b for _, b in pairs]]
            joined /= np.linalg.norm(joined, axis=1, keepdims=True).clip(min=1e-9)
            units = np.vstack([units, joined])
            texts += [f"{passage_sentences[a]} {passage_sentences[b]}" for a, b in pairs]
        said = [set(tokens(claim)) for claim in claims]
        overlap = _overlap(said, single + [single[a] | single[b] for a, b in pairs])
        blended = np.maximum(overlap, (overlap + vectors[: len(claims)] @ units.T) / 2)
        facts = PassageFacts(passages)
        everywhere = set(content_tokens(passages))
        judged = []
        for i, claim in enumerate(claims):
            best = int(blended[i].argmax())
            novelty = facts.novelty(claim, texts[best])
            content = said[i] - STOP_WORDS
            missing = 1 - len(content & everywhere) / len(content) if content else 0.0
            support = float(blended[i, best]) - RED_FLAG_WEIGHT * novelty.penalty() - SCATTER_WEIGHT * missing
            judged.append(Claim(claim, round(support, 4), best, novelty.reasons()))
        return judged


def _overlap(claims: list[set[str]], units: list[set[str]]) -> np.ndarray:
    """Per claim and unit: the mean of the shares of the claim's words, and of its content words, in the unit
    (a claim without content words counts those as found), as matrix products over a shared vocabulary."""
    vocabulary = {word: i for i, word in enumerate(set().union(*claims, *units))}
    content = np.array([word not in STOP_WORDS for word in vocabulary], dtype=np.float32)

    def matrix(rows: list[set[str]]) -> np.ndarray:
        found = np.zeros((len(rows), len(vocabulary)), dtype=np.float32)
        for r, words in enumerate(rows):
            found[r, [vocabulary[word] for word in words]] = 1
        return found

    said, held = matrix(claims), matrix(units)
    shared_words = (said @ held.T) / said.sum(axis=1, keepdims=True).clip(min=1)
    meant = said * content
    counts = meant.sum(axis=1, keepdims=True)
    shared_content = np.where(counts > 0, (meant @ held.T) / counts.clip(min=1), 1.0)
    return (shared_words + shared_content) / 2


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
