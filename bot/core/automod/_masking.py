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

from bot.core.automod import _builtin as builtin
from bot.core.automod import _pii as pii
from bot.core.automod._patterns import LONG_BYTES, CharOffsets, compile_pattern, compiled_set
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
    ("[email removed]", builtin.EMAIL_PATTERN, builtin.check_mail_to_mask, False),
    ("[bank account removed]", builtin.IBAN_PATTERN, pii.check_iban, False),
    ("[card number removed]", builtin.CARD_PATTERN, builtin.check_card, True),
    ("[id number removed]", builtin.SSN_PATTERN, builtin.check_ssn, True),
    ("[phone removed]", builtin.PHONE_NANP_PATTERN, _NANP, True),
    ("[phone removed]", builtin.PHONE_INTL_PATTERN, _OTHER, True),
    ("[phone removed]", builtin.PHONE_NATIONAL_PATTERN, _OTHER, True),
    *(("[address removed]", pattern, check or _any, False)
      for pattern, _, check in builtin.ADDRESS_PATTERNS),
)
_COMPILED: list[tuple[str, Any, _Check, bool]] = [
    (label, compile_pattern("personal-data-mask", pattern), check, trim)
    for label, pattern, check, trim in _MASKS
]


def _pattern_sets() -> list[tuple[list[int], Callable[[bytes], Any]]]:
    """The mask patterns in one RE2 set per placeholder: one pass each says which can
    match at all. One set of them all would combine the address patterns' states with
    the digit patterns', and a long message would keep RE2 building new ones for
    milliseconds (see ``PatternIndex``)."""
    groups: dict[str, list[int]] = {}
    for index, (label, _, _, _) in enumerate(_MASKS):
        groups.setdefault(label, []).append(index)
    # Shared with the engine's sets of the same patterns (e-mail, addresses): one DFA,
    # warmed by every message either of them reads.
    return [(indices, compiled_set(tuple(_MASKS[index][1] for index in indices)))
            for indices in groups.values()]


_SETS = _pattern_sets()
_ALL = compiled_set(tuple(pattern for _, pattern, _, _ in _MASKS))
# Cheap pre-filter: every detector needs a digit or an "@".
_NEEDS = frozenset("0123456789@")


Span = tuple[int, int, str]  # start, end, placeholder


def personal_spans(message: Normalized, lo: int = 0, hi: int | None = None) -> list[Span]:
    """Every finding overlapping ``message.folded[lo:hi]``, as ``(start, end, placeholder)``
    in folded positions, most specific detector first.

    The patterns run on the UTF-8 bytes of that slice only (the checks see the whole
    message, so a candidate's surroundings are judged as usual): the engine masks a margin
    around each excerpt without paying for the rest of a long message.
    """
    folded = message.folded
    region = folded[lo:hi]
    if _NEEDS.isdisjoint(region):
        return []
    encoded = region.encode("utf-8", "surrogatepass")
    if len(encoded) > LONG_BYTES:
        matched = [indices[i] for indices, match in _SETS for i in match(encoded) or ()]
    else:  # a short region: one pass of one set of them all (see ``PatternIndex``)
        matched = _ALL(encoded) or []
    if not matched:
        return []
    chars = None if len(encoded) == len(region) else CharOffsets(encoded)
    found: list[Span] = []
    for index in sorted(matched):  # in _MASKS order: most specific first
        label, compiled, check, trim = _COMPILED[index]
        for match in compiled.finditer(encoded):
            start, end = match.span()
            if chars is not None:
                start, end = chars(start), chars(end)
            start, end = start + lo, end + lo
            if check(start, end, message) is not None:
                if trim:
                    start, end = builtin.inner_span(folded, start, end)
                found.append((start, end, label))
    return found


def in_original(text: str, folded: str, found: list[Span], spans: SpanMap | None = None
                ) -> list[Span]:
    """``found`` mapped to positions in ``text`` and sorted, overlaps dropped (a card's
    digits that also read as a phone number are masked once)."""
    if found and not (len(folded) == len(text) and text.isascii()):
        mapper = spans if spans is not None else SpanMap(text)
        found = [(*mapper.span(start, end), label) for start, end, label in found]
    found.sort(key=lambda item: (item[0], -item[1]))
    kept: list[Span] = []
    cursor = 0
    for start, end, label in found:
        if start >= cursor:
            kept.append((start, end, label))
            cursor = end
    return kept


def masked(text: str, spans: list[Span], lo: int = 0, hi: int | None = None) -> str:
    """``text[lo:hi]`` with each of ``spans`` (original positions, sorted, disjoint)
    replaced by its placeholder; a span cut by ``lo`` or ``hi`` is replaced whole."""
    hi = len(text) if hi is None else hi
    out: list[str] = []
    cursor = lo
    for start, end, label in spans:
        if end <= lo or start >= hi:
            continue
        if start > cursor:
            out.append(text[cursor:start])
        out.append(label)
        cursor = max(cursor, end)
    if cursor < hi:
        out.append(text[cursor:hi])
    return "".join(out)


def mask_personal(text: str) -> str:
    """``text`` with personal information replaced by readable placeholders."""
    if not text or (text.isascii() and _NEEDS.isdisjoint(text)):
        return text
    # Folding first: a fullwidth "＠" or digit folds to its ASCII form, so the cheap
    # test on the raw text would let "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ" through unmasked.
    folded = fold(text)
    if _NEEDS.isdisjoint(folded):
        return text
    found = personal_spans(Normalized(text, folded, folded))
    if not found:
        return text
    return masked(text, in_original(text, folded, found))
