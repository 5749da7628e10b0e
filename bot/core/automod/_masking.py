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

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.core.automod import _builtin as builtin
from bot.core.automod import _pii as pii
from bot.core.automod._patterns import (
    LONG_BYTES,
    CharOffsets,
    compile_pattern,
    compiled_set,
    match_spans,
)
from bot.core.automod._repost_masks import extra_spans
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
    """The mask patterns in the sets the engine runs on a long message (e-mail; numbers:
    phone, card, IBAN, SSN; addresses), as indices into ``_MASKS`` and the set's match.

    One set of them all would combine the address patterns' states with the digit
    patterns', and a long message would keep RE2 building new ones for milliseconds (see
    ``PatternIndex``). The same tuples of patterns as the engine's (built the same way,
    from ``pii_patterns`` grouped as ``PatternIndex`` groups them) make ``compiled_set``
    hand back the very sets the engine has just run over the message: their DFA states
    for its text are built, and masking around a match in it pays no second warm-up.
    """
    index_of = {pattern: index for index, (_, pattern, _, _) in enumerate(_MASKS)}
    groups: dict[str, list[str]] = {}
    for item in builtin.pii_patterns(builtin.PII_RULES, frozenset()):
        groups.setdefault(item.group or item.rule_id, []).append(item.pattern)
    covered = sorted(index_of[p] for patterns in groups.values() for p in patterns)
    if covered != list(range(len(_MASKS))):  # pragma: no cover - a mask without a rule
        raise RuntimeError("every mask pattern must be one of the PII rules' patterns")
    return [([index_of[p] for p in patterns], compiled_set(tuple(patterns), True))
            for patterns in groups.values()]


_SETS = _pattern_sets()
_ALL = compiled_set(tuple(pattern for _, pattern, _, _ in _MASKS))
# Cheap pre-filter: every detector needs a digit or an "@".
_NEEDS = frozenset("0123456789@")


Span = tuple[int, int, str]  # start, end, placeholder


def _long(folded: str) -> bool:
    """Whether the engine ran its sets apart on this message (``PatternIndex``): then even
    a short region of it reads best through those same sets, already warm for its text."""
    if len(folded) > LONG_BYTES:
        return True
    return len(folded) * 4 > LONG_BYTES \
        and len(folded.encode("utf-8", "surrogatepass")) > LONG_BYTES


def mask_indices(patterns: Sequence[str]) -> tuple[int, ...] | None:
    """For a set of ``patterns`` that holds every mask pattern, the mask each of its
    members is (-1: not one), so that set's answer on a text says which masks can match
    there; None when some mask pattern is not among them."""
    index_of = {pattern: index for index, (_, pattern, _, _) in enumerate(_MASKS)}
    found = tuple(index_of.get(pattern, -1) for pattern in patterns)
    return found if set(found) >= set(range(len(_MASKS))) else None


def personal_spans(message: Normalized, lo: int = 0, hi: int | None = None,
                   matched: Iterable[int] | None = None) -> list[Span]:
    """Every finding overlapping ``message.folded[lo:hi]``, as ``(start, end, placeholder)``
    in folded positions, most specific detector first.

    The patterns run on the UTF-8 bytes of that slice only (the checks see the whole
    message, so a candidate's surroundings are judged as usual): the engine masks a margin
    around each excerpt without paying for the rest of a long message.

    ``matched``: the masks (indices into ``_MASKS``) known to match somewhere in exactly
    this slice, when a set holding them all has just read it (the engine's, on a short
    message whose excerpt window is the whole of it): no set is asked again.
    """
    folded = message.folded
    region = folded[lo:hi]
    if _NEEDS.isdisjoint(region):
        return []
    encoded = region.encode("utf-8", "surrogatepass")
    if matched is not None:
        matched = list(matched)
    elif len(encoded) > LONG_BYTES or _long(folded):
        matched = [indices[i] for indices, match in _SETS for i in match(encoded) or ()]
    else:  # a short message: one pass of one set of them all (see ``PatternIndex``)
        matched = _ALL(encoded) or []
    if not matched:
        return []
    chars = None if len(encoded) == len(region) else CharOffsets(encoded)
    found: list[Span] = []
    for index in sorted(matched):  # in _MASKS order: most specific first
        label, compiled, check, trim = _COMPILED[index]
        for start, end in match_spans(compiled, encoded):
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
    """``text`` with personal information replaced by readable placeholders: what
    automod detects, and the wider shapes only re-posts mask (``_repost_masks``), found
    in one folded form and masked in one pass."""
    if not text or (text.isascii() and _NEEDS_ASCII.isdisjoint(text)
                    and " at " not in text.lower()):
        return text
    # Folding first: a fullwidth "＠" or digit folds to its ASCII form, so a test on the
    # raw text would let "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ" through unmasked.
    folded = fold(text)
    found = [] if _NEEDS.isdisjoint(folded) else \
        personal_spans(Normalized(text, folded, folded))
    found += extra_spans(folded)
    if not found:
        return text
    return masked(text, in_original(text, folded, found))


# What a masked detail or a spelled-out one needs in ASCII text: a digit, an "@" or an
# opening bracket ("jane [at] …"); " at " is looked for apart.
_NEEDS_ASCII = _NEEDS | frozenset("[({<")
