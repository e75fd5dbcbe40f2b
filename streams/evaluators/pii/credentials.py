"""Credentials: provider key formats, JWTs, PEM private keys, and high-entropy values after secret words."""

import math
import re
from collections import Counter
from collections.abc import Iterator

from telltale_server.streams.evaluators.pii.recognizers import Hit

_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# Each pattern opens on a literal, which the regex engine finds fast; Stripe's "[sr]k_" would not,
# so a cheap substring test gates it instead.
_PROVIDER_KEYS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (gate, re.compile(pattern + r"(?![A-Za-z0-9_\-])"))
    for gate, pattern in (
        ("", r"sk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"),  # Anthropic, OpenAI
        ("", r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"),  # AWS access key id
        ("", r"gh[pousr]_[A-Za-z0-9]{36,255}"),  # GitHub tokens
        ("", r"github_pat_[A-Za-z0-9_]{22,255}"),  # GitHub fine-grained token
        ("", r"xox[baprs]-[A-Za-z0-9\-]{10,}"),  # Slack tokens
        ("k_", r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),  # Stripe secret / restricted keys
        ("", r"AIza[0-9A-Za-z_\-]{35}"),  # Google API key
        ("", r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWT
        ("", r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+"),  # Slack webhook
    )
)

_PEM = re.compile(
    r"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----"
    r"(?:.*?-----END ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----|[A-Za-z0-9+/=\s:,\-]*)",
    re.DOTALL,
)
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase"})
# Matched against the lowercased text (a case-insensitive scan is ten times slower).
_SECRET_ASSIGNMENT = re.compile(
    r"(?P<word>api[_\- ]?key|apikey|secret(?:[_\- ]?access)?(?:[_\- ]?key)?|"
    r"client[_\- ]?secret|access[_\- ]?(?:key|token)|auth[_\- ]?token|token|passphrase|password|passwd|pwd|"
    r"credentials?|private[_\- ]?key)(?![a-z])[\"']?"
    r"(?:\s*(?::|=>?)\s*|\s+is\s+)[\"'`]?(?P<value>[^\s\"'`,;<>]{6,200})"
    r"|bearer\s+(?P<bearer>[a-z0-9_\-.~+/]{16,}=*)"
)
# Every keyword above contains one of these; the regex only runs in a window around each occurrence.
_ANCHORS = ("key", "secret", "token", "pass", "pwd", "credential", "bearer")
_WORD_LEAD = 16  # how far a keyword can start before its anchor ("secret_access_key")
_WINDOW = 300  # keyword, separator and a value of up to 200 characters
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TRAILING_PUNCT = ".,;:)]}"  # sentence punctuation; "!" and "?" may belong to a password
_PLACEHOLDER = re.compile(r"(?i)x{3,}|\*{3,}|\.{3}|your|example|placeholder|redacted|changeme|\$\{|\{\{|%s")

PROVIDER_SCORE = 0.95
PEM_SCORE = 0.99
ASSIGNMENT_SCORE = 0.6


def _entropy(value: str) -> float:
    """Shannon entropy in bits per character: random keys score ~4+, words and numbers far less."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _has_letter_and_digit(value: str) -> bool:
    """Real keys mix classes; identifiers like sk-my-feature-branch-name do not."""
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def find_api_keys(text: str) -> Iterator[Hit]:
    """Provider-issued formats recognised by their fixed prefixes."""
    for gate, pattern in _PROVIDER_KEYS:
        if gate not in text:
            continue
        for m in pattern.finditer(text):
            if (m.start() == 0 or text[m.start() - 1] not in _KEY_CHARS) and _has_letter_and_digit(m.group()):
                yield m.start(), m.end(), PROVIDER_SCORE


def _assigned_secret_ok(word: str, value: str) -> bool:
    """Passwords need mixed classes; keys and tokens need length and entropy; never a placeholder."""
    if _PLACEHOLDER.search(value):
        return False
    if word in _PASSWORD_WORDS:
        return any(c.isalpha() for c in value) and not value.isalpha()
    return len(value) >= 16 and _has_letter_and_digit(value) and _entropy(value) >= 3.0


def find_secrets(text: str) -> Iterator[Hit]:
    """PEM private-key blocks (even truncated) and values assigned to key/secret/token/password words."""
    if "PRIVATE KEY" in text:
        for m in _PEM.finditer(text):
            yield m.start(), m.start() + len(m.group().rstrip()), PEM_SCORE
    lowered = text.lower()
    if len(lowered) != len(text):  # a few non-ASCII letters lowercase to two characters
        lowered = text.translate(_ASCII_LOWER)
    anchors = sorted(i for anchor in _ANCHORS for i in _occurrences(lowered, anchor))
    resume = 0
    for i in anchors:
        found = _SECRET_ASSIGNMENT.search(lowered, max(resume, i - _WORD_LEAD), i + _WINDOW)
        if found is None or found.start() > i or (found.start() > 0 and lowered[found.start() - 1].isalnum()):
            continue
        resume = found.end()
        group = "value" if found.group("value") else "bearer"
        start = found.start(group)
        value = text[start : found.end(group)].rstrip(_TRAILING_PUNCT)
        if value and _assigned_secret_ok(found.group("word") or "bearer", value):
            yield start, start + len(value), ASSIGNMENT_SCORE


def _occurrences(haystack: str, needle: str) -> Iterator[int]:
    """Offsets of `needle` via str.find, far cheaper than a regex scan over prose."""
    i = haystack.find(needle)
    while i != -1:
        yield i
        i = haystack.find(needle, i + 1)
