"""`detect`: run the recognizers, keep the most specific finding where they overlap, order by offset."""

from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from telltale_server.streams.evaluators.pii.credentials import find_api_keys, find_secrets
from telltale_server.streams.evaluators.pii.phone import find_phones
from telltale_server.streams.evaluators.pii.recognizers import (
    Hit,
    find_cards,
    find_emails,
    find_ibans,
    find_ips,
    find_ssns,
)

Finder = Callable[[str], Iterator[Hit]]

# Most specific first: where two findings overlap, the earlier type in this order wins
# (a Luhn-valid card is never also reported as a phone; a key's digits never as anything else).
_RECOGNIZERS: tuple[tuple[str, Finder], ...] = (
    ("API_KEY", find_api_keys),
    ("SECRET", find_secrets),
    ("EMAIL", find_emails),
    ("IBAN", find_ibans),
    ("CREDIT_CARD", find_cards),
    ("US_SSN", find_ssns),
    ("IP_ADDRESS", find_ips),
    ("PHONE", find_phones),
)
PII_TYPES: frozenset[str] = frozenset(name for name, _ in _RECOGNIZERS)
_RANK = {name: rank for rank, (name, _) in enumerate(_RECOGNIZERS)}


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One finding: `text[start:end] == value`; score is the recognizer's confidence in [0, 1]."""

    type: str
    start: int
    end: int
    value: str
    score: float


def _resolve_overlaps(candidates: list[PiiSpan]) -> list[PiiSpan]:
    """Greedy by (type rank, longer first, earlier first); the result has no two overlapping spans."""
    starts: list[int] = []
    kept: list[PiiSpan] = []
    for span in sorted(candidates, key=lambda s: (_RANK[s.type], s.start - s.end, s.start)):
        i = bisect_right(starts, span.start)
        if i > 0 and kept[i - 1].end > span.start:
            continue
        if i < len(kept) and kept[i].start < span.end:
            continue
        starts.insert(i, span.start)
        kept.insert(i, span)
    return kept


def detect(text: str, types: frozenset[str] | None = None) -> list[PiiSpan]:
    """All PII in `text` (or only `types`), non-overlapping, sorted by start offset.

    Every recognizer runs even when `types` is narrower, so a card number stays a card
    (and is dropped) rather than resurfacing as a phone when only PHONE is asked for.
    """
    if types is not None and not types <= PII_TYPES:
        raise ValueError(f"unknown PII types: {sorted(types - PII_TYPES)}")
    candidates = [
        PiiSpan(name, start, end, text[start:end], score)
        for name, find in _RECOGNIZERS
        for start, end, score in find(text)
    ]
    spans = _resolve_overlaps(candidates)
    return spans if types is None else [s for s in spans if s.type in types]
