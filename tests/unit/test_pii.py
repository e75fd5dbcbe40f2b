"""PII detection and redaction: exact spans per type, lookalikes left alone, redaction output pinned."""

import re

import pytest

from telltale_server.streams.evaluators.pii import PII_TYPES, PiiSpan, detect, redact, redact_value

# Fake credentials are assembled from parts so secret scanners do not flag this file.
OPENAI_KEY = "sk-" + "proj-" + "Ab3dE5gH7jK9mN1pQ3sT5vW7"
AWS_KEY_ID = "AKIA" + "Z7Q2M4P6R8T1V3X5"
GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
SLACK_TOKEN = "xox" + "b-2837465019-7f3kQ9zLm2Xw"
STRIPE_KEY = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
GOOGLE_KEY = "AI" + "za" + "SyD4x7Qm2Lp9Rt5Vw8Zb1Nc3Hf6Jk0Gs2Ye"
JWT = "eyJ" + "hbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq9\nQk3Zx2==\n-----END " + "RSA PRIVATE KEY-----"


def found(text: str) -> list[tuple[str, str]]:
    """(type, value) pairs, in order."""
    return [(span.type, span.value) for span in detect(text)]


@pytest.mark.parametrize(
    ("text", "pii_type", "value"),
    [
        ("Write to Bob.Smith+crm@mail.example.co.uk.", "EMAIL", "Bob.Smith+crm@mail.example.co.uk"),
        ("Reach me at +44 20 7946 0958 tonight", "PHONE", "+44 20 7946 0958"),
        ("or call (415) 555-2671, thanks", "PHONE", "(415) 555-2671"),
        ("Le standard: 01 42 68 53 00", "PHONE", "01 42 68 53 00"),
        ("Card: 4111-1111-1111-1111 exp 12/27", "CREDIT_CARD", "4111-1111-1111-1111"),
        ("amex 3782 822463 10005 please", "CREDIT_CARD", "3782 822463 10005"),
        ("IBAN: DE89 3704 0044 0532 0130 00, thanks", "IBAN", "DE89 3704 0044 0532 0130 00"),
        ("pay to gb82west12345698765432 today", "IBAN", "gb82west12345698765432"),
        ("His SSN is 536-22-1234.", "US_SSN", "536-22-1234"),
        ("server 203.0.113.9:8080 is down", "IP_ADDRESS", "203.0.113.9"),
        ("bind to [2001:db8::8a2e:370:7334].", "IP_ADDRESS", "2001:db8::8a2e:370:7334"),
        (f"OPENAI_API_KEY={OPENAI_KEY}", "API_KEY", OPENAI_KEY),
        (f"id {AWS_KEY_ID} in us-east-1", "API_KEY", AWS_KEY_ID),
        (f"git push with {GITHUB_TOKEN}", "API_KEY", GITHUB_TOKEN),
        (f"slack {SLACK_TOKEN}", "API_KEY", SLACK_TOKEN),
        (f"stripe {STRIPE_KEY}", "API_KEY", STRIPE_KEY),
        (f"maps key {GOOGLE_KEY}", "API_KEY", GOOGLE_KEY),
        (f"Authorization: Bearer {JWT}", "API_KEY", JWT),
        (f"key file:\n{PEM}\nend", "SECRET", PEM),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq4yEYtGKAB",
            "SECRET",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq4yEYtGKAB",
        ),
        ('{"password": "Tr0ub4dor&3"}', "SECRET", "Tr0ub4dor&3"),
    ],
)
def test_each_type_is_found_with_its_exact_span(text: str, pii_type: str, value: str) -> None:
    spans = detect(text)
    assert [(s.type, s.value) for s in spans] == [(pii_type, value)]
    assert text[spans[0].start : spans[0].end] == value
    assert spans[0].start == text.index(value)


@pytest.mark.parametrize(
    "text",
    [
        "Order 4111111111111112 shipped",  # fails Luhn
        "ref 1234567890123456",  # fails Luhn
        "IBAN GB82 WEST 1234 5698 7654 33",  # wrong mod-97 checksum
        "upgrade to 1.2.3.4.5 or v1.2.3.4 today",  # version strings
        "on 2024-01-15, 15/01/2024 or at 2020-06-20 14:11:22",  # dates and timestamps
        "ISBN 978-3-16-148410-0 and 0-306-40615-2",  # ISBN-13 and ISBN-10
        "SSN 000-12-3456, 666-12-3456, 912-34-5678, 123-00-4567, 123-45-0000",  # SSA never issues these
        "localhost 127.0.0.1, 0.0.0.0 and 256.1.1.1",  # loopback, unspecified, out of range
        "std::vector<int> and ab:cd::ef",  # C++ scope, hex words
        "sent 451 5986 units",  # a possible national number, but no phone word nearby
        "The key point is 4096 tokens; password: required",  # secret words without a secret
        "api_key = YOUR_API_KEY_HERE_123456",  # placeholder
        "Total: 1,234,567.89 USD and pi is 3.14159265358979",
    ],
)
def test_benign_lookalikes_are_not_flagged(text: str) -> None:
    assert detect(text) == []


def test_national_number_needs_a_phone_word_and_scores_lower() -> None:
    (span,) = detect("Phone: 451 5986")
    assert (span.type, span.value) == ("PHONE", "451 5986")
    (strict,) = detect("Phone: (415) 555-2671")
    assert span.score < strict.score


def test_card_is_not_also_a_phone_and_order_is_by_offset() -> None:
    # After "call", 30569309025904 is also a plausible phone number: the card must win.
    text = "call 30569309025904 or 020 7946 0958, mail a.b@example.com"
    assert found(text) == [
        ("CREDIT_CARD", "30569309025904"),
        ("PHONE", "020 7946 0958"),
        ("EMAIL", "a.b@example.com"),
    ]


def test_trailing_cvv_is_not_swallowed_into_the_card() -> None:
    assert found("card 4111 1111 1111 1111 123") == [("CREDIT_CARD", "4111 1111 1111 1111")]


def test_types_filter_keeps_overlap_resolution() -> None:
    text = "card 4111111111111111, phone +44 20 7946 0958"
    assert [s.type for s in detect(text, frozenset({"PHONE"}))] == ["PHONE"]
    assert detect("card 4111111111111111", frozenset({"PHONE"})) == []


def test_unknown_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="NAME"):
        detect("x", frozenset({"NAME"}))


def test_span_is_a_frozen_value() -> None:
    span = PiiSpan("EMAIL", 0, 3, "a@b", 0.9)
    with pytest.raises(AttributeError):
        span.start = 1  # type: ignore[misc]
    assert {"EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "API_KEY", "SECRET"} == PII_TYPES


def test_redact_type_style_keeps_everything_else_byte_identical() -> None:
    text = "Hi — mail jo@example.org, card 4111 1111 1111 1111.\n\tSSN 536-22-1234 ✓"
    assert redact(text) == "Hi — mail [EMAIL], card [CREDIT_CARD].\n\tSSN [US_SSN] ✓"
    assert redact("nothing to see here") == "nothing to see here"


def test_redact_uses_given_spans_only() -> None:
    text = "jo@example.org and 536-22-1234"
    only_email = [s for s in detect(text) if s.type == "EMAIL"]
    assert redact(text, only_email) == "[EMAIL] and 536-22-1234"


def test_redact_hash_style_is_stable_per_key_and_value() -> None:
    text = "Jo@Example.org wrote to jo@example.org and ann@example.org"
    out = redact(text, style="hash", key=b"dataset-1")
    tokens = re.findall(r"\[EMAIL:[0-9a-f]{8}\]", out)
    assert out == f"{tokens[0]} wrote to {tokens[1]} and {tokens[2]}"
    assert tokens[0] == tokens[1] != tokens[2]
    assert redact(text, style="hash", key=b"dataset-1") == out
    assert redact(text, style="hash", key=b"dataset-2") != out


def test_redact_hash_style_requires_a_key_and_spans_must_not_overlap() -> None:
    with pytest.raises(ValueError, match="key"):
        redact("jo@example.org", style="hash")
    spans = [PiiSpan("EMAIL", 0, 5, "abcde", 1.0), PiiSpan("PHONE", 3, 8, "defgh", 1.0)]
    with pytest.raises(ValueError, match="overlap"):
        redact("abcdefgh", spans)


def test_redact_value_walks_nested_json_like_structures() -> None:
    record = {
        "input": [{"role": "user", "content": "I am jo@example.org"}],
        "jo@example.org": ("call +44 20 7946 0958", 4111111111111111, None, True),
        "score": 0.5,
    }
    assert redact_value(record) == {
        "input": [{"role": "user", "content": "I am [EMAIL]"}],
        "jo@example.org": ("call [PHONE]", 4111111111111111, None, True),
        "score": 0.5,
    }


def test_redact_value_passes_types_and_style_through() -> None:
    value = ["jo@example.org 536-22-1234"]
    assert redact_value(value, frozenset({"US_SSN"})) == ["jo@example.org [US_SSN]"]
    hashed = redact_value(value, style="hash", key=b"k")
    assert isinstance(hashed, list)
    assert re.fullmatch(r"\[EMAIL:[0-9a-f]{8}\] \[US_SSN:[0-9a-f]{8}\]", hashed[0])
