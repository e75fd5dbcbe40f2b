"""Phone numbers: a cheap regex finds digit runs, libphonenumber decides which are dialable."""

import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import CountryCodeSource, Leniency, NumberParseException, PhoneNumberMatcher

from telltale_server.streams.evaluators.pii.recognizers import Hit

DEFAULT_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "IN")

# Digits with separators (space . - / brackets) and an optional extension. It opens on a digit so the
# scanner skips ahead fast; a leading '+', '(' or '(+' is taken back in by `_start_with_prefix`.
_CANDIDATE = re.compile(r"[0-9](?<![\w.\-/][0-9])[0-9 ().\-/]{4,}[0-9](?:\s?(?:x|ext\.?|#)\s?[0-9]{1,6})?(?!\w)")
_DIGIT = re.compile(r"[0-9]")
_EXTENSION = re.compile(r"\s?(?:x|ext\.?|#)\s?[0-9]{1,6}$")
_LONE_LAST_DIGIT = re.compile(r"[^0-9][0-9]$")
_DATE_LIKE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
_INTERNATIONAL = frozenset(
    {
        CountryCodeSource.FROM_NUMBER_WITH_PLUS_SIGN,
        CountryCodeSource.FROM_NUMBER_WITH_IDD,
        CountryCodeSource.FROM_NUMBER_WITHOUT_PLUS_SIGN,
    }
)
# Words that make a bare national-format number a phone number even without its trunk prefix.
_CONTEXT = re.compile(
    r"(?i)\b(?:phone|phones|telephone|tel|mob|mobile|cell|cellphone|call|calling|fax|desk|office|"
    r"contact|whatsapp|sms|dial|hotline|landline)\b"
)
_CONTEXT_BEFORE = 40
_CONTEXT_AFTER = 16

STRICT_SCORE = 0.9
CONTEXT_SCORE = 0.6


def _digit_count(candidate: str) -> int:
    """Digits of the number proper, extension excluded."""
    return len(_DIGIT.findall(_EXTENSION.sub("", candidate)))


def _start_with_prefix(text: str, start: int, end: int) -> int:
    """Take in a '+', '(+' or '(' (the latter only if closed) right before the digits, unless glued to a word."""
    for prefix in ("(+", "+", "("):
        begin = start - len(prefix)
        if begin < 0 or not text.startswith(prefix, begin):
            continue
        if (prefix == "(" and ")" not in text[start:end]) or (begin > 0 and (text[begin - 1].isalnum())):
            return start
        return begin
    return start


def _strict(candidate: str, region: str, number: phonenumbers.PhoneNumber) -> bool:
    """International form, or national form that libphonenumber's VALID matcher accepts whole."""
    if number.country_code_source in _INTERNATIONAL:
        return True
    return any(
        m.start == 0 and m.end == len(candidate) for m in PhoneNumberMatcher(candidate, region, leniency=Leniency.VALID)
    )


def _score(candidate: str, has_context: bool, regions: tuple[str, ...]) -> float | None:
    """STRICT_SCORE if dialable as written, CONTEXT_SCORE if only plausible next to a phone word."""
    plausible = False
    for region in regions:
        try:
            number = phonenumbers.parse(candidate, region, keep_raw_input=True)
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            if _strict(candidate, region, number):
                return STRICT_SCORE
            plausible = True
        elif candidate.startswith("+") and phonenumbers.is_possible_number(number):
            plausible = True
    return CONTEXT_SCORE if plausible and has_context else None


def find_phones(text: str, regions: tuple[str, ...] = DEFAULT_REGIONS) -> Iterator[Hit]:
    """Candidates of 7-15 digits that are not dates or timestamps, scored by `_score`."""
    for m in _CANDIDATE.finditer(text):
        start, end = _start_with_prefix(text, m.start(), m.end()), m.end()
        candidate = text[start:end]
        if not 7 <= _digit_count(candidate) <= 15 or _DATE_LIKE.match(candidate):
            continue
        if _LONE_LAST_DIGIT.search(candidate):
            continue  # ISBN-10 style (0-306-40615-2): phone numbers do not end in a one-digit group
        if text.startswith(":", end):
            continue  # a timestamp such as 2020-06-20 14:11:22
        has_context = bool(
            _CONTEXT.search(text, max(0, start - _CONTEXT_BEFORE), start)
            or _CONTEXT.search(text, end, end + _CONTEXT_AFTER)
        )
        score = _score(candidate, has_context, regions)
        if score is not None:
            yield start, end, score
