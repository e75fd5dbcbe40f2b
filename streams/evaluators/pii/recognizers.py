"""Checksum- and format-validated recognizers for structured PII (email, card, IBAN, SSN, IP)."""

import ipaddress
import re
from collections.abc import Iterator

Hit = tuple[int, int, float]  # start, end, confidence: what every recognizer yields

# Emails are found from each '@': the local part is read backwards, the domain forwards.
_AT = re.compile("@")
_LOCAL_PART = re.compile(r"(?<![\w.%+-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LOCAL_MAX = 64
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w-]|\.[A-Za-z0-9])")

# Patterns open with a character class (the scanner then skips ahead fast) and check the left edge after it.
# Cards: 12+ digits, single spaces or dashes between digits, not glued to other digits or a '+'.
_CARD = re.compile(r"[0-9](?<![0-9A-Za-z+\-][0-9])(?:[ \-]?[0-9]){11,}(?![0-9A-Za-z]|-[0-9])")
_DIGIT_GROUP = re.compile(r"[0-9]+")

# ISO 13616 lengths per country (SWIFT IBAN registry).
# fmt: off
_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
    "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}
# fmt: on
# IBAN: two check digits preceded by a two-letter country code that starts a word.
_IBAN_CHECK_DIGITS = re.compile(r"[0-9](?<=[A-Za-z]{2}[0-9])[0-9](?<![A-Za-z0-9]..[0-9]{2})(?=[ ]?[A-Za-z0-9])")

_SSN = re.compile(r"[0-9](?<![0-9\-][0-9])[0-9]{2}([- ])[0-9]{2}\1[0-9]{4}(?![0-9]|-[0-9])")
_SSN_ADVERTISED = frozenset({"078051120", "219099999", "123456789"})

_IPV4 = re.compile(r"[0-9](?<![\w.][0-9])[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?![\w]|\.[0-9])")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:]|\.\d)")
_VERSION_BEFORE = re.compile(r"(?i)(?:\bv|version\s*|release\s*)$")


def find_emails(text: str) -> Iterator[Hit]:
    """Addresses with a dotted domain and a 2+ letter TLD, anchored on each '@' so text without one costs nothing."""
    for at in _AT.finditer(text):
        local = _LOCAL_PART.search(text, max(0, at.start() - _LOCAL_MAX), at.start())
        domain = _DOMAIN.match(text, at.end())
        if local and domain:
            yield local.start(), domain.end(), 0.95


def luhn_ok(digits: str) -> bool:
    """Mod-10 check used by every payment card scheme."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_iin_plausible(digits: str) -> bool:
    """Length must fit the issuer range (ISO/IEC 7812 major industry identifier 1-6)."""
    n = len(digits)
    first, two, four = digits[0], int(digits[:2]), int(digits[:4])
    if two in (34, 37):  # American Express
        return n == 15
    if first == "4":  # Visa
        return n in (13, 16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:  # Mastercard
        return n == 16
    if four in (1800, 2131):  # legacy JCB
        return n == 15
    if first == "1":  # UATP
        return n == 15
    if first == "3":  # Diners, JCB
        return 14 <= n <= 19
    if two == 50 or 56 <= two <= 69:  # Maestro, Discover, UnionPay, RuPay
        return 12 <= n <= 19
    return False


def find_cards(text: str) -> Iterator[Hit]:
    """Luhn-valid numbers whose length fits the issuer; 12-digit Maestro scores lower."""
    for m in _CARD.finditer(text):
        groups = list(_DIGIT_GROUP.finditer(m.group()))
        # A run like "4111 1111 1111 1111 123" may carry a trailing CVV or year: drop groups from the end.
        for k in range(len(groups), 0, -1):
            digits = "".join(g.group() for g in groups[:k])
            if len(digits) < 12:
                break
            if card_iin_plausible(digits) and luhn_ok(digits):
                yield m.start(), m.start() + groups[k - 1].end(), 0.9 if len(digits) >= 13 else 0.7
                break


def iban_ok(compact: str) -> bool:
    """ISO 13616 mod-97 check: country and check digits moved to the end, letters as 10..35."""
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def find_ibans(text: str) -> Iterator[Hit]:
    """Country length from the registry, optional single spaces between characters, mod-97 checked."""
    for m in _IBAN_CHECK_DIGITS.finditer(text):
        start = m.start() - 2
        length = _IBAN_LENGTHS.get(text[start : m.start()].upper())
        if length is None:
            continue
        chars: list[str] = []
        pos = start
        while pos < len(text) and len(chars) < length:
            ch = text[pos]
            if ch.isascii() and ch.isalnum():
                chars.append(ch.upper())
            elif not (ch == " " and chars and pos + 1 < len(text) and text[pos + 1] != " "):
                break
            pos += 1
        boundary = pos == len(text) or not (text[pos].isascii() and text[pos].isalnum())
        if len(chars) == length and boundary and iban_ok("".join(chars)):
            yield start, pos, 0.95


def find_ssns(text: str) -> Iterator[Hit]:
    """Separated AAA-GG-SSSS numbers obeying SSA allocation rules (no 000/666/9xx, 00, 0000)."""
    for m in _SSN.finditer(text):
        area, group, serial = m.group().split(m.group(1))
        if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
            continue
        if area + group + serial in _SSN_ADVERTISED:
            continue
        yield m.start(), m.end(), 0.85


def _is_public_enough(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Loopback and unspecified addresses identify nobody; private ranges still reveal a network."""
    return not (addr.is_loopback or addr.is_unspecified)


def find_ips(text: str) -> Iterator[Hit]:
    """IPv4/IPv6 candidates validated by `ipaddress`; skips version strings like v1.2.3.4."""
    if "." in text:
        for m in _IPV4.finditer(text):
            if _VERSION_BEFORE.search(text, max(0, m.start() - 10), m.start()):
                continue
            try:
                addr4 = ipaddress.IPv4Address(m.group())
            except ValueError:
                continue
            if _is_public_enough(addr4):
                yield m.start(), m.end(), 0.85
    if "::" in text or text.count(":") >= 7:
        for m in _IPV6.finditer(text):
            value = m.group()
            if sum(1 for part in value.split(":") if part) < 3 or not any(c.isdigit() for c in value):
                continue  # C++ scopes and hex words like ab:cd::ef are valid IPv6 syntax, but not addresses
            try:
                addr6 = ipaddress.IPv6Address(value)
            except ValueError:
                continue
            if _is_public_enough(addr6):
                yield m.start(), m.end(), 0.85
