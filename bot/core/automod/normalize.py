"""Text normalisation for matching: one spelling for every way of writing a word.

People dodge word filters with look-alike letters (Cyrillic ``а`` for Latin ``a``),
fullwidth forms, zero-width joiners, stacked diacritics and leetspeak. Matching runs on
two derived strings so that one keyword or pattern catches all of those:

``folded``
    Compatibility decomposition (NFKD, a superset of NFKC's folding of fullwidth and
    styled letters), case folding, combining marks and invisible characters removed,
    confusable letters mapped to Latin. Digits and symbols are kept, so personal
    information, prices and links are still recognisable.
``skeleton``
    ``folded`` with leetspeak undone (``0→o 1→i 3→e 4→a 5→s 7→t @→a $→s``). Keywords
    match here.

Both are computed with ``str.translate`` over a lazily filled per-character table, so the
cost per message stays close to a single C-level pass; ASCII messages (the common case)
take an even faster path. Every character maps independently, which makes offsets easy
to recover: :func:`original_span` maps a span of ``folded``/``skeleton`` back to the text
the person wrote, so staff and the author see the original words in an excerpt.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import NamedTuple

from bot.core.automod._foldchar import FOLD

__all__ = [
    "LEET",
    "Normalized",
    "SpanMap",
    "fold",
    "normalize",
    "original_span",
    "skeleton",
]


_FOLD = FOLD  # the per-character table (``_foldchar``)

LEET: dict[int, int] = {ord(k): ord(v) for k, v in
                        {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                         "@": "a", "$": "s"}.items()}  # the leetspeak undone in ``skeleton``


_ASCII_BYTES = bytes(range(128))
# Up to this many distinct characters that folding changes, replace them one by one (one
# C-level pass each, a fraction of a nanosecond a character: replacing one character
# looks for it as ``memchr`` would); beyond it, one ``str.translate`` (forty nanoseconds
# or more a character, whatever their number) bounds the cost of text written in
# hundreds of different letters.
_FEW = 128
LEET_BYTES = bytes.maketrans(b"013457@$", b"oieastas")


def fold(text: str) -> str:
    """Case-, width-, accent- and homoglyph-insensitive form; digits and symbols kept."""
    return _fold_bytes(text)[0]


def _fold_bytes(text: str) -> tuple[str, bytes, _Plan | None]:
    """``fold(text)``, its UTF-8 encoding and the plan for its characters outside ASCII
    (None for ASCII text), computed the cheapest way for the text.

    Equivalent to ``text.translate(_FOLD)``, but a typical message is ASCII with perhaps
    an emoji or an accented word, and even a long one in another script uses a few dozen
    distinct letters: lower-casing the ASCII bytes and replacing the distinct characters
    that folding changes costs a C-level pass each, where a translate costs a dictionary
    lookup per character. Replacing is exact because folding is idempotent: what a
    character folds to is left alone by the later replacements.
    """
    if text.isascii():  # a flag CPython keeps on every string: no pass over the text
        lowered = text.encode("ascii").lower()
        return lowered.decode("ascii"), lowered, None
    encoded = text.encode("utf-8", "surrogatepass")
    plan = _plan(encoded.translate(None, _ASCII_BYTES))
    folded, folded_bytes = _folded(text, encoded, plan)
    return folded, folded_bytes, plan


def _folded(text: str, encoded: bytes, plan: _Plan) -> tuple[str, bytes]:
    """``fold(text)`` and its UTF-8 (``encoded`` is the UTF-8 of ``text``).

    When folding changes none of the characters outside ASCII (emoji, CJK), the
    lower-cased bytes already are the folded text's UTF-8: they are not encoded again.
    """
    if plan.translate:
        folded = text.translate(_FOLD)
        return folded, folded.encode("utf-8", "surrogatepass")
    lowered = encoded.lower()  # bytes.lower: ASCII only
    folded = lowered.decode("utf-8", "surrogatepass")
    if not plan.changing:
        return folded, lowered
    for char, replacement in plan.changing:
        folded = folded.replace(char, replacement)
    return folded, folded.encode("utf-8", "surrogatepass")


class _Plan(NamedTuple):
    """What folding does to the characters outside ASCII of a message (a named tuple: one
    is built for most messages with a new mix of such characters, and a frozen dataclass
    costs several times as much to build)."""

    changing: tuple[tuple[str, str], ...]  # (character, what it folds to), where different
    blanks: tuple[str, ...]  # characters of the folded text that the words-only form blanks
    translate: bool  # so many characters change that one str.translate is cheaper
    odd: tuple[str, ...] = ()  # characters that fold to other than one character


# Plans by the UTF-8 bytes outside ASCII of a message, in order ("é", "👍", "🎉✨"). Chat
# repeats these a great deal (the same emoji, accented names, a language's common
# letters), and a plan read from here spares building a set of the characters.
# Bounded: emptied when full, entries are cheap to redo.
_PLANS: dict[bytes, _Plan] = {}
_PLANS_LIMIT = 8192
_PLAN_KEY_MAX = 64  # bytes; longer runs (whole messages in another script) rarely repeat

# What is known of each character outside ASCII seen so far, kept as sets so that a
# message's plan is a few C-level set intersections, not a lookup per character.
_KNOWN: set[str] = set()
_CHANGING: set[str] = set()  # characters that folding changes ...
_CHANGE: dict[str, tuple[str, str]] = {}  # ... as (the character, what it folds to)
# Characters folding leaves alone that the words-only form blanks (emoji, dashes, curly
# quotes): nearly every blank, and its own, so a plan gathers them by one intersection.
_SELF_BLANK: set[str] = set()
_BLANKING: set[str] = set()  # characters that fold to other characters it blanks ...
_BLANK: dict[str, frozenset[str]] = {}  # ... and those characters
_ODD: set[str] = set()  # characters that fold to other than one (they shift positions)


def _learn(char: str) -> None:
    folded = _FOLD[ord(char)]
    if folded != char:
        _CHANGE[char] = (char, folded)
        _CHANGING.add(char)
    blanks = frozenset(c for c in folded if not c.isascii() and not c.isalnum())
    if blanks and folded == char:
        _SELF_BLANK.add(char)
    elif blanks:
        _BLANK[char] = blanks
        _BLANKING.add(char)
    if len(folded) != 1:
        _ODD.add(char)
    _KNOWN.add(char)


def _plan(residue: bytes) -> _Plan:
    """The plan for a message whose characters outside ASCII are ``residue`` (UTF-8).

    Nearly a third of the messages with such characters bring a mix not seen before (an
    emoji with an accented name, a phrase in another script), so a miss is made cheap:
    set intersections and a ``map`` in C, no Python loop over the characters.
    """
    plan = _PLANS.get(residue)
    if plan is not None:
        return plan
    others = set(residue.decode("utf-8", "surrogatepass"))
    if not others <= _KNOWN:
        for char in others - _KNOWN:
            _learn(char)
    changing = tuple(map(_CHANGE.__getitem__, others & _CHANGING))
    blanks = others & _SELF_BLANK
    if not _BLANKING.isdisjoint(others):
        blanks = blanks.union(*map(_BLANK.__getitem__, others & _BLANKING))
    plan = _Plan(changing, tuple(blanks), len(changing) > _FEW, tuple(others & _ODD))
    if len(residue) <= _PLAN_KEY_MAX:
        if len(_PLANS) >= _PLANS_LIMIT:
            _PLANS.clear()
        _PLANS[residue] = plan
    return plan


def fold_and_skeleton(text: str) -> tuple[str, bytes, str, bytes]:
    """Folded and skeleton forms, each as str and UTF-8 bytes (what the engine needs)."""
    folded, folded_bytes, _ = _fold_bytes(text)
    skeleton_bytes = folded_bytes.translate(LEET_BYTES)
    return folded, folded_bytes, skeleton_bytes.decode("utf-8"), skeleton_bytes


def scan_forms(text: str) -> tuple[str, bytes, str, bytes, str]:
    """``fold_and_skeleton`` plus the skeleton's :func:`words_only` form."""
    return scan_views(text)[:5]


def scan_views(text: str) -> tuple[str, bytes, str, bytes, str, tuple[str, ...]]:
    """What the engine reads of a message: :func:`scan_forms` and the characters of the
    text that fold to other than one character (for a :class:`SpanMap`), reusing what
    folding learnt about the text (its few characters outside ASCII)."""
    # Most messages have no leetspeak: ``bytes.translate`` then hands back the very
    # object it was given, and the skeleton is the folded string, not decoded again.
    if text.isascii():
        folded_bytes = text.encode("ascii").lower()
        folded = folded_bytes.decode("ascii")
        skeleton_bytes = folded_bytes.translate(LEET_BYTES)
        return folded, folded_bytes, folded if skeleton_bytes is folded_bytes \
            else skeleton_bytes.decode("ascii"), skeleton_bytes, \
            skeleton_bytes.translate(_ASCII_WORDS).decode("ascii"), ()
    encoded = text.encode("utf-8", "surrogatepass")
    plan = _plan(encoded.translate(None, _ASCII_BYTES))
    folded, folded_bytes = _folded(text, encoded, plan)
    skeleton_bytes = folded_bytes.translate(LEET_BYTES)
    words = skeleton_bytes.translate(_ASCII_WORDS).decode("utf-8", "surrogatepass")
    for blank in plan.blanks:  # one character for one: positions are kept
        words = words.replace(blank, " ")
    return folded, folded_bytes, folded if skeleton_bytes is folded_bytes \
        else skeleton_bytes.decode("utf-8", "surrogatepass"), skeleton_bytes, words, plan.odd


_ASCII_WORDS = bytes(c if c >= 128 or chr(c).isalnum() else 32 for c in range(256))
_OTHER_NON_WORD = re.compile(r"[^\w\x00-\x7f]")  # our own pattern, one char at a time


def words_only(text: str, encoded: bytes | None = None) -> str:
    """``text`` with every character that is not a letter or digit made a space.

    Same length, so positions carry over. Keyword keys are entered in this form with a
    leading space, which makes the automaton itself, in C, enforce the left word
    boundary: "ass" is never even considered inside "class" or "bass".
    """
    if encoded is None:
        encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) == len(text):
        return encoded.translate(_ASCII_WORDS).decode("ascii")
    # ASCII bytes through the byte table (UTF-8 bytes of other characters are >= 0x80 and
    # left alone), then the other characters that are not letters or digits (emoji, curly
    # quotes) in one C-level pass: ``\w`` is str.isalnum() plus "_".
    out = encoded.translate(_ASCII_WORDS).decode("utf-8", "surrogatepass")
    return _OTHER_NON_WORD.sub(" ", out)


def skeleton(text: str) -> str:
    """``fold`` plus leetspeak undone: the form keywords are matched in."""
    return _fold_bytes(text)[1].translate(LEET_BYTES).decode("utf-8")


@dataclass(frozen=True, slots=True)
class Normalized:
    """The three views of one message; ``folded`` and ``skeleton`` have equal length."""

    original: str
    folded: str
    skeleton: str

    @property
    def aligned(self) -> bool:
        """True when positions in ``folded`` are positions in ``original`` (ASCII text)."""
        return len(self.folded) == len(self.original) and self.original.isascii()


def normalize(text: str) -> Normalized:
    """Both matching forms of ``text`` at once (the skeleton reuses the folded form)."""
    folded, _, skel, _ = fold_and_skeleton(text)
    return Normalized(text, folded, skel)


class SpanMap:
    """Maps positions in ``fold(original)`` back to ``original``.

    Only some non-ASCII characters fold to more or fewer than one character, so the map
    stores a break point per such character and bisects; most text needs few or none.
    """

    __slots__ = ("_folded_at", "_length", "_original", "_original_at", "widest")

    def __init__(self, original: str, until: int | None = None,
                 odd: tuple[str, ...] | None = None) -> None:
        """``until``: positions past this folded index will not be asked for. ``odd``: the
        characters of ``original`` that fold to other than one character, when the caller
        has them from folding it (``scan_views``): a long message's plan is not cached,
        and would otherwise be built again."""
        self._original = original
        self._original_at: list[int] = []
        self._folded_at: list[int] = []
        self._length: list[int] = []
        folded = previous = 0
        # Only characters that fold to other than one character shift positions: emoji,
        # CJK or Cyrillic letters map one-to-one and need no break point.
        # The plan folding made for this message, most often still cached.
        if odd is None:
            odd = _plan(original.encode("utf-8", "surrogatepass")
                        .translate(None, _ASCII_BYTES)).odd
        # The most characters one character folds to: folded text is at most this many
        # times as long as the original stretch it came from.
        self.widest = max((len(_FOLD[ord(c)]) for c in odd), default=1) or 1
        for index in sorted(i for c in odd for i in _positions(original, c)):
            folded += index - previous
            if until is not None and folded > until:
                break  # nothing further is needed; long messages stay cheap
            size = len(_FOLD[ord(original[index])])
            self._original_at.append(index)
            self._folded_at.append(folded)
            self._length.append(size)
            folded += size
            previous = index + 1

    def position(self, folded: int) -> int:
        """The original index of the character that produced folded position ``folded``."""
        k = bisect_right(self._folded_at, folded) - 1
        if k < 0:
            return folded
        start = self._folded_at[k]
        if folded < start + self._length[k]:
            return self._original_at[k]
        return self._original_at[k] + 1 + (folded - start - self._length[k])

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)``; marks that folded away right after the span are included."""
        original = self._original
        if not original:
            return 0, 0
        first = min(self.position(start), len(original) - 1)
        last = min(self.position(max(end, start + 1) - 1) + 1, len(original))
        while last < len(original) and not _piece(original[last]):
            last += 1
        return first, last


def _positions(text: str, char: str) -> list[int]:
    found = []
    index = text.find(char)
    while index >= 0:
        found.append(index)
        index = text.find(char, index + 1)
    return found


def original_span(original: str, start: int, end: int) -> tuple[int, int]:
    """Map ``[start, end)`` in the folded/skeleton text back to ``original``.

    Characters that folding removed (zero-width joiners, combining accents) inside the
    span are included, so the excerpt shows exactly what was written.
    """
    if original.isascii():
        return start, end
    return SpanMap(original).span(start, end)


def _piece(char: str) -> str:
    return char.lower() if char.isascii() else _FOLD[ord(char)]
