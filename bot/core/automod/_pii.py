"""Checks for personal information: phone numbers, payment cards, IBANs, US SSNs.

The patterns (in ``_builtin``) are cheap and run in the RE2 set on every message; these
checks run only on what they found, and are where precision comes from:

- a phone number must be one ``phonenumbers`` (Google's libphonenumber data) accepts as a
  valid number: "+44 20 7946 0958" anywhere, "020 7946 0958" where the default region is
  GB; one written in North America's 3-3-4 shape, "(312) 555-0123", need only have a
  possible length; an ISBN, a date or an order number is not a phone number;
- a card number must pass Luhn, have an issuer's length and prefix (Visa, Mastercard
  incl. 2221-2720, Amex, Discover, JCB 3528-3589, Diners, UnionPay, Mir, Maestro with 12
  to 19 digits) and not be part of an IBAN;
- an IBAN must have its country's length and pass the ISO 13616 mod-97 check;
- an SSN must be written 3-2-4 with one kind of separator and be a number the Social
  Security Administration can issue (no area 000, 666 or 900-999, no group 00 or serial
  0000).
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from bot.core.automod._patterns import Check
from bot.core.automod.normalize import Normalized

# IBAN length per country (ISO 13616 registry).
IBAN_LENGTHS = {
    "ad": 24, "ae": 23, "al": 28, "at": 20, "az": 28, "ba": 20, "be": 16, "bg": 22, "bh": 22,
    "br": 29, "by": 28, "ch": 21, "cr": 22, "cy": 28, "cz": 24, "de": 22, "dk": 18, "do": 28,
    "ee": 20, "eg": 29, "es": 24, "fi": 18, "fo": 18, "fr": 27, "gb": 22, "ge": 22, "gi": 23,
    "gl": 18, "gr": 27, "gt": 28, "hr": 21, "hu": 28, "ie": 22, "il": 23, "iq": 23, "is": 26,
    "it": 27, "jo": 30, "kw": 30, "kz": 20, "lb": 28, "lc": 32, "li": 21, "lt": 20, "lu": 20,
    "lv": 21, "mc": 27, "md": 24, "me": 22, "mk": 19, "mr": 27, "mt": 31, "mu": 30, "nl": 18,
    "no": 15, "pk": 24, "pl": 28, "ps": 29, "pt": 25, "qa": 29, "ro": 24, "rs": 22, "sa": 24,
    "sc": 31, "se": 24, "si": 19, "sk": 24, "sm": 27, "st": 25, "sv": 28, "tl": 23, "tn": 24,
    "tr": 26, "ua": 29, "va": 22, "vg": 24, "xk": 20,
}
IBAN_PATTERN = r"\b[a-z]{2}\d{2}[ ]?(?:[a-z0-9]{4}[ ]?){2,7}[a-z0-9]{1,4}\b"
_IBAN = re.compile(IBAN_PATTERN)  # our own fixed pattern on a short window
_DATE = re.compile(r"\d{1,4}[.-]\d{1,2}[.-]\d{1,4}")
_SSN = re.compile(r"(\d{3})([ -])(\d{2})\2(\d{4})")


def luhn_valid(digits: str) -> bool:
    """The Luhn check every payment card number passes (and most random numbers fail)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    """The issuer a card number's prefix and length belong to, or None."""
    n = len(digits)
    p2, p3, p4, p6 = int(digits[:2]), int(digits[:3]), int(digits[:4]), int(digits[:6])
    brands = (
        ("Visa", digits[0] == "4" and n in (13, 16, 19)),
        ("American Express", p2 in (34, 37) and n == 15),
        ("Mastercard", (51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16),
        ("Mir", 2200 <= p4 <= 2204 and 16 <= n <= 19),
        ("Discover", (p4 == 6011 or 644 <= p3 <= 649 or p2 == 65
                      or 622126 <= p6 <= 622925) and 16 <= n <= 19),
        ("JCB", 3528 <= p4 <= 3589 and 16 <= n <= 19),
        ("Diners Club", (300 <= p3 <= 305 or p4 == 3095 or p2 in (36, 38, 39))
         and 14 <= n <= 19),
        ("UnionPay", p2 == 62 and 16 <= n <= 19),
        ("Maestro", (p2 == 50 or 56 <= p2 <= 69) and 12 <= n <= 19),
    )
    return next((name for name, matches in brands if matches), None)


def iban_at(text: str) -> str | None:
    """The valid IBAN ``text`` starts with (alphanumerics only), or None."""
    compact = "".join(c for c in text if c.isalnum())
    length = IBAN_LENGTHS.get(compact[:2])
    if length is None or len(compact) < length:
        return None
    iban = compact[:length]
    if not iban[2:4].isdigit():
        return None
    rotated = iban[4:] + iban[:4]
    try:
        number = int("".join(str(int(c, 36)) for c in rotated))
    except ValueError:
        return None
    return iban if number % 97 == 1 else None


def inside_iban(folded: str, start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies in a valid IBAN (so its digits are not a card)."""
    lo = max(0, start - 40)
    for match in _IBAN.finditer(folded, lo, min(len(folded), end + 40)):
        if match.start() < end and match.end() > start and iban_at(match.group()):
            return True
    return False


def check_iban(start: int, end: int, message: Normalized) -> str | None:
    iban = iban_at(message.folded[start:end])
    return None if iban is None else f"IBAN ({iban[:2].upper()}) ending {iban[-4:]}"


def check_card(start: int, end: int, message: Normalized) -> str | None:
    digits = "".join(c for c in message.folded[start:end] if c.isdigit())
    if not 12 <= len(digits) <= 19 or not luhn_valid(digits):
        return None
    brand = card_brand(digits)
    if brand is None or inside_iban(message.folded, start, end):
        return None
    return f"payment card number ({brand}) ending {digits[-4:]}"


def check_ssn(start: int, end: int, message: Normalized) -> str | None:
    match = _SSN.fullmatch(message.folded[start:end].strip("()[]"))
    if match is None:
        return None
    area, group, serial = match.group(1), match.group(3), match.group(4)
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return None
    return "US Social Security number"


def phone_check(region: str) -> tuple[Check, Check]:
    """Checks for the two kinds of candidate: North American-shaped and any other."""

    def nanp(start: int, end: int, message: Normalized) -> str | None:
        # Written 3-3-4 with brackets or separators: the shape is evidence enough that it
        # is a phone number, even with an unassigned area code ("555-123-4567").
        return _valid_phone(message, start, end, "US", strict=False)

    def other(start: int, end: int, message: Normalized) -> str | None:
        return _valid_phone(message, start, end, region, strict=True)

    return nanp, other


def _valid_phone(message: Normalized, start: int, end: int, region: str, *,
                 strict: bool) -> str | None:
    text = message.folded[start:end]
    if text.startswith("(") and ")" not in text:
        text = text[1:]  # "(0033 1 23 45 67 89)": the bracket around the whole number
    digits = sum(c.isdigit() for c in text)
    if not 7 <= digits <= 15 or _DATE.fullmatch(text):
        return None
    before = message.folded[max(0, start - 8):start]
    if "isbn" in before or "issn" in before or "oclc" in before:
        return None
    if not strict and region == "US" and _PLAIN_NANP.fullmatch(text):
        return "phone number"  # what libphonenumber answers for this shape (see below)
    return "phone number" if _phone_ok(text, region, strict) else None


# A North American number written without country code, its area code starting 2-9:
# libphonenumber parses it (region US) to ten national digits, and a number of ten digits
# is possible in NANP whatever they are, so ``_phone_ok(text, "US", False)`` is True for
# every such text (tests/core/automod/test_shared_answers.py asks it for every area code).
# Answered here, the commonest candidate costs no parse: some 35 us for each new number,
# and every number in a stream of messages is a new one.
_PLAIN_NANP = re.compile(r"(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-])\d{3}[ .-]\d{4}")


@lru_cache(maxsize=4096)
def _phone_ok(text: str, region: str, strict: bool) -> bool:
    """libphonenumber's verdict on one candidate, remembered: the same number is judged
    when the message is scanned and again when its excerpt is masked."""
    if text.startswith("00"):
        text = "+" + text[2:]  # the international prefix of most of the world
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else region.upper())
    except phonenumbers.NumberParseException:
        return False
    valid = phonenumbers.is_valid_number if strict else phonenumbers.is_possible_number
    return bool(valid(number))
