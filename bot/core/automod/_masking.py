"""Masking personal information in text the bot stores or re-posts.

The same detectors automod runs (``_builtin`` and ``_pii``: e-mail addresses, phone
numbers valid in the default region or written with "+", IBANs, card numbers of real
issuers, US Social Security numbers, street addresses and P.O. boxes), so what automod
would flag is exactly what is masked.
Each finding becomes a readable placeholder (``[email removed]``), so the committee can
still follow the sentence: "she posted [phone removed] and [address removed]".

Used for every excerpt kept with a report or an incident, every committee or staff
summary, every DM quoting a member's words and every export (``coc-bot scan``). Masking is
idempotent: no placeholder looks like personal information.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import re2

from bot.core.automod import _builtin as builtin
from bot.core.automod import _pii as pii
from bot.core.automod._patterns import compile_pattern, pattern_options
from bot.core.automod.normalize import Normalized, SpanMap, fold

_Check = Callable[[int, int, Normalized], "str | None"]


def _any(start: int, end: int, message: Normalized) -> str | None:
    """Patterns precise enough on their own (an e-mail address, a P.O. box)."""
    return "found"


_NANP, _OTHER = builtin.phone_checks(builtin.DEFAULT_REGION)

# (placeholder, pattern, check): the checks are automod's (Luhn digits and issuer ranges,
# mod-97, capitalised street names, phone numbers valid in the default region), trimming
# the delimiter a digit pattern matches on either side of the number. Most specific first,
# so an IBAN is not called a card, nor a card a phone.
# "trim": the pattern matches a delimiter on either side of the number, not kept.
_MASKS: tuple[tuple[str, str, _Check, bool], ...] = (
    ("[email removed]", builtin.EMAIL_PATTERN, _any, False),
    ("[bank account removed]", builtin.IBAN_PATTERN, pii.check_iban, False),
    ("[card number removed]", builtin.CARD_PATTERN, builtin.check_card, True),
    ("[id number removed]", builtin.SSN_PATTERN, builtin.check_ssn, True),
    ("[phone removed]", builtin.PHONE_NANP_PATTERN, _NANP, True),
    ("[phone removed]", builtin.PHONE_INTL_PATTERN, _OTHER, True),
    ("[phone removed]", builtin.PHONE_NATIONAL_PATTERN, _OTHER, True),
    ("[address removed]", builtin.ADDRESS_PATTERN, builtin.check_address, False),
    ("[address removed]", builtin.PO_BOX_PATTERN, _any, False),
)
_COMPILED: list[tuple[str, Any, _Check, bool]] = [
    (label, compile_pattern("personal-data-mask", pattern), check, trim)
    for label, pattern, check, trim in _MASKS
]


def _pattern_set() -> Any:
    """All mask patterns in one RE2 set: one pass says which can match at all."""
    found = re2.Set.SearchSet(pattern_options())
    for _, pattern, _, _ in _MASKS:
        found.Add(pattern)
    found.Compile()
    return found


_SET = _pattern_set()
# Cheap pre-filter: every detector needs a digit or an "@".
_NEEDS = frozenset("0123456789@")


def _spans(original: str, folded: str) -> list[tuple[int, int, str]]:
    """Every finding as ``(start, end, placeholder)`` in the folded text."""
    message = Normalized(original, folded, folded)
    found: list[tuple[int, int, str]] = []
    for index in sorted(_SET.Match(folded) or ()):  # in _MASKS order: most specific first
        label, compiled, check, trim = _COMPILED[index]
        position = 0
        while position <= len(folded):
            match = compiled.search(folded, position)
            if match is None:
                break
            start, end = match.span()
            if check(start, end, message) is not None:
                if trim:
                    start, end = builtin.inner_span(folded, start, end)
                found.append((start, end, label))
            position = max(end, match.span()[0] + 1)
    return found


def mask_personal(text: str) -> str:
    """``text`` with personal information replaced by readable placeholders."""
    if not text or _NEEDS.isdisjoint(text):
        return text
    folded = fold(text)
    found = _spans(text, folded)
    if not found:
        return text
    if not (text.isascii() and len(folded) == len(text)):
        mapper = SpanMap(text)
        found = [(*mapper.span(start, end), label) for start, end, label in found]
    found.sort(key=lambda item: (item[0], -item[1]))
    out: list[str] = []
    cursor = 0
    for start, end, label in found:
        if start < cursor:
            continue  # inside a span already masked (a card's digits read as a phone)
        out.append(text[cursor:start])
        out.append(label)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
