"""Sentence splitting and tokenisation, kept simple and predictable for claim-by-claim checks."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")
_INNER = re.compile(r"\s+[.!?]\s+|;\s+")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP_WORDS = """
a an the and or but if then else of to in on at by for with from as is are was were be been being it
its this that these those i you he she we they me him her us them my your his our their do does did
have has had so than too very can will just would could should there here what which who whom when
where why how all any both each few more most other some such only own same s t about into over
after before up down out off again further once also i'm it's that's really yeah yes oh well like
know think lot one get got sure thanks thank hello hi ok okay please
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


def sentences(text: str) -> list[str]:
    """Sentences of `text`; also splits on ' . ' (pre-tokenised text) and semicolons."""
    found: list[str] = []
    for part in _SENTENCE_END.split(text or ""):
        found.extend(piece.strip() for piece in _INNER.split(part) if piece.strip())
    return found


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return _TOKEN.findall(text.lower())


def content_tokens(text: str) -> list[str]:
    """Tokens without stop words: what a sentence claims rather than how it says it."""
    return [token for token in tokens(text) if token not in STOP_WORDS]
