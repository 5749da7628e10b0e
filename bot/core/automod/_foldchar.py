"""The per-character folding table behind ``normalize``: what each character reads as.

Compatibility decomposition, case folding, combining marks and invisible characters
dropped, confusable letters mapped to Latin (Unicode's UTS #39 data plus look-alikes it
does not list), repeated until nothing changes so that folding is idempotent. Filled
lazily, one character at a time, the first time a character is seen: ``str.translate``
reads it directly, and ``normalize`` builds its per-message plans from it.
"""

from __future__ import annotations

import json
import unicodedata
from importlib.resources import files

__all__ = ["FOLD"]


def _unicode_confusables() -> dict[str, str]:
    """Unicode's confusables (UTS #39) that read as one ASCII letter or digit.

    Read once at start-up from the data the ``confusable-homoglyphs`` package (MIT) ships,
    generated from Unicode's ``confusables.txt``: Cherokee ``Ꭺ``, Lisu ``ꓮ``, Armenian
    ``օ``, Coptic ``ⲟ`` and some nine thousand more. Keys are also entered case-folded,
    since folding runs before this table is consulted.
    """
    raw = files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    table: dict[str, str] = {}
    for char, entries in json.loads(raw).items():
        if len(char) != 1 or char.isascii():
            continue
        target = next((e["c"] for e in entries if len(e["c"]) == 1 and e["c"].isascii()
                       and e["c"].isalnum()), None)
        if target is not None:
            table[char] = target.lower()
    for char, target in list(table.items()):
        table.setdefault(char.casefold(), target)
    return {k: v for k, v in table.items() if len(k) == 1 and not k.isascii()}


# Look-alikes Unicode's confusables data does not list (handwritten and italic forms such
# as Cyrillic "и" for "u", small capitals, ligatures); they win over the Unicode data.
_HAND: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "ь": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "н": "h",
    "і": "i", "ј": "j", "к": "k", "ӏ": "l", "м": "m", "п": "n", "о": "o", "р": "p",
    "ԛ": "q", "г": "r", "ѕ": "s", "т": "t", "и": "u", "у": "y", "ү": "y", "х": "x",
    "ԝ": "w", "ш": "w", "ɜ": "e", "ө": "o", "ғ": "f",
    # Greek
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "η": "n", "ι": "i", "κ": "k",
    "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "μ": "u",
    "ϲ": "c", "ϳ": "j", "ς": "c",
    # Latin look-alikes without a decomposition
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƀ": "b", "ɑ": "a",
    "ɡ": "g", "ɩ": "i", "ʀ": "r", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e",
    "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n",
    "ᴏ": "o", "ᴘ": "p", "ꞯ": "q", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w",
    "ꓲ": "i", "ʏ": "y", "ᴢ": "z", "ß": "ss", "æ": "ae", "œ": "oe", "ǝ": "e", "ɔ": "c",
}
_CONFUSABLES: dict[str, str] = {**_unicode_confusables(), **_HAND}

# Invisible characters that are not of category Cf/Mn/Me but are used as blanks.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
_DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf", "Cs", "Co", "Cn"})


def _step(char: str) -> str:
    """One round of folding for one character (decompose, fold case, drop, map)."""
    direct = _CONFUSABLES.get(char)
    # A capital is looked up before case folding (Greek "Υ" reads "y", its small "υ" reads
    # "u"), unless decomposition already gives ASCII (fullwidth "Ｉ") or the data's answer
    # is "l", Unicode's prototype for every upright stroke, capital I included.
    if direct is not None and direct != "l" and char != char.casefold() \
            and not unicodedata.normalize("NFKD", char).isascii():
        return direct
    out: list[str] = []
    for piece in unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", char).casefold()):
        if piece in _INVISIBLE or unicodedata.category(piece) in _DROPPED_CATEGORIES:
            continue
        out.append(_CONFUSABLES.get(piece, piece))
    return "".join(out)


def _fold_char(char: str) -> str:
    """Fold until nothing changes, so folding is idempotent.

    A single round is not always enough: ``ᴬ`` (modifier letter) has no case mapping but
    decomposes to an uppercase ``A``, which the next round folds to ``a``.
    """
    current = _step(char)
    for _ in range(8):
        following = "".join(_step(c) for c in current)
        if following == current:
            return current
        current = following
    return current  # pragma: no cover - no known character needs this many rounds


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first sight of each code point."""

    def __missing__(self, code: int) -> str:
        value = _fold_char(chr(code))
        self[code] = value
        return value


FOLD = _FoldTable()
