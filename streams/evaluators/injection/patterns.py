"""Instructions aimed at the model inside retrieved passages: the tell-tale phrases of indirect injection.

Passages are documentation, tickets and web pages, unlike the prompts the injection model learned from:
on ordinary help-centre passages its scores sit above 99% of benign prompts, so passages are screened by
these phrases instead, which ordinary documents do not contain.
"""

from __future__ import annotations

import re

_TARGET = r"(?:all |any |the |your |previous |prior |earlier |above |preceding |system |original )*"
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "ignore instructions",
            rf"\b(?:ignore|disregard|forget|override)\s+{_TARGET}(?:instructions|rules|prompts?|"
            r"directions|guidelines|context)\b",
        ),
        ("new instructions", r"\b(?:new|updated|real)\s+instructions?\s*:"),
        (
            "role override",
            r"\byou\s+are\s+now\s+(?:a|an|in|the|DAN)\b|\bact\s+as\s+(?:an?\s+)?(?:unrestricted|jailbroken)",
        ),
        (
            "prompt exfiltration",
            r"\b(?:reveal|print|repeat|output|show)\s+(?:your|the)\s+(?:system\s+prompt|instructions|"
            r"hidden\s+prompt)",
        ),
        (
            "secret exfiltration",
            r"\b(?:send|forward|email|post|exfiltrate)\b[^.]{0,60}\b(?:password|api[\s_-]?key|"
            r"credentials?|secrets?|tokens?)\b[^.;]{0,40}\bto\s+(?:\S+@\S+|https?://|[a-z0-9-]+\.[a-z]{2,})",
        ),
        (
            "addressed to the model",
            r"\b(?:AI|assistant|language model|LLM|chatbot)\s*[,:]\s*(?:you\s+must|ignore|do\s+not\s+"
            r"tell)",
        ),
    )
)


def find(text: str) -> list[str]:
    """The names of the patterns the text matches, in declaration order."""
    return [name for name, pattern in PATTERNS if pattern.search(text)]
