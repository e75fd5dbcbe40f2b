"""Red flags of fabrication: numbers, names and negations in a claim that the passages do not carry."""

from __future__ import annotations

import re
from dataclasses import dataclass

from telltale_server.streams.evaluators.groundedness.text import STOP_WORDS, sentences, tokens

_NUMBER = re.compile(r"\b\d[\d,.:/-]*\b")
_NUMBER_WORDS_TEXT = """one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
hundred thousand million billion first second third"""
_NUMBER_WORDS = frozenset(_NUMBER_WORDS_TEXT.split())
_NEGATIONS_TEXT = "not no never none nobody nothing neither nor n't cannot without"
_NEGATIONS = frozenset(_NEGATIONS_TEXT.split())
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z]+")


@dataclass(frozen=True)
class Novelty:
    """What a claim adds that the passages lack."""

    numbers: tuple[str, ...]
    names: tuple[str, ...]
    negation: bool

    def penalty(self) -> float:
        """How strongly these flags count against support, capped at 1."""
        return min(1.0, 0.15 * len(self.numbers) + 0.1 * len(self.names) + 0.2 * self.negation)

    def reasons(self) -> list[str]:
        """The flags in words, for the evaluation's details."""
        found = [f"number not in the passages: {n}" for n in self.numbers]
        found += [f"name not in the passages: {n}" for n in self.names]
        return found + (["negation opposite to the closest passage sentence"] if self.negation else [])


class PassageFacts:
    """The numbers and words of all passages, computed once per event."""

    def __init__(self, passages: str) -> None:
        self.numbers = _numbers(passages)
        self.words = set(tokens(passages))

    def novelty(self, claim: str, closest: str) -> Novelty:
        """The claim's numbers and capitalised names the passages lack, and whether it flips the polarity
        of the passage text closest to it (one of the two negates, the other does not; when that text is two
        sentences, a flip against each)."""
        names = {name.lower() for name in _NAME.findall(claim)}
        return Novelty(
            numbers=tuple(sorted(_numbers(claim) - self.numbers)),
            names=tuple(sorted(n for n in names if n not in self.words and n not in STOP_WORDS)),
            negation=all(_negates(claim) != _negates(part) for part in sentences(closest) or [closest]),
        )


def _negates(text: str) -> bool:
    return bool(set(tokens(text.replace("n't", " n't"))) & _NEGATIONS)


def _numbers(text: str) -> set[str]:
    return {n.rstrip(".,:") for n in _NUMBER.findall(text)} | {t for t in tokens(text) if t in _NUMBER_WORDS}
