"""Extra masks for text the bot re-posts, wider than what automod removes.

Automod removes a message only for what it is sure of: a bare run of ten digits is as
likely an order number or an ISBN as a phone number, and "jane at gmail dot com" is not
worth a removal. Re-posting is the other way round. A report's reason, a note or an
excerpt reaches staff, the committee or a DM, and the Code's promise ("we may remove
personal information from posts to protect your privacy") is better kept by masking a
harmless number than by repeating a phone number: so here a few more shapes are masked,
never acted on:

- a bare run of 10 or 11 digits (a North American number typed without separators, or
  split by zero-width characters, which folding drops), a number written 3+7 digits
  ("555-8675309"), and a local 3-4 number ("867-5309") after a word such as "call",
  "phone" or "number";
- the same numbers written with typographic dashes (U+2010-U+2015, U+2212: what
  copying from a web page or a phone often gives);
- an e-mail address spelled out to dodge filters: "jane @ gmail.com",
  "jane [at] gmail [dot] com", "jane(at)gmail(dot)com", "jane at gmail dot com".

Discord and Slack ids (17 digits and more) are left alone, as are dates, times,
versions, ranges of three or more digits on each side and ISBNs named as such.
"""

from __future__ import annotations

import re

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"})
# Digits not glued to other digits, letters, or the characters that open ids and links.
_BEFORE = r"(?:^|(?<=[^\w<@#&!/:=+.\-]))"
_AFTER = r"(?![\w\-]|\.\d)"
_NUMBERS = re.compile(
    _BEFORE + r"(?:1[ .-]?)?(?:\d{10}|\d{3}[ .-]\d{7}|\d{3}[ .-]\d{3}[ .-]\d{4}|"
    r"\(\d{3}\)\s?\d{3}[ .-]?\d{4})" + _AFTER)
# A local number ("867-5309") only after a word that says it is one: alone, three digits
# and four are as often a range ("pages 100-2000") or a score.
_LOCAL = re.compile(r"\b(?:call|phone|ph|tel|cell|mobile|number|no|text|txt|sms|whatsapp|"
                    r"dial|ring|fax|reach)\b[^\d\n]{0,20}?" + _BEFORE + r"(\d{3}-\d{4})" + _AFTER)
_AT = r"(?:\s*@\s*|\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+)"
_DOT = r"(?:\s*\.\s*|\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)"
_TLD = (r"(?:com|org|net|edu|gov|mil|int|info|biz|io|co|me|us|uk|ca|au|nz|ie|de|fr|es|"
        r"it|nl|be|ch|at|se|no|dk|fi|pl|pt|br|mx|ar|jp|cn|in|ru|za)")
_SPELLED_EMAIL = re.compile(
    r"(?<![\w.])[a-z0-9][a-z0-9._%+-]{0,63}" + _AT + r"[a-z0-9-]{1,63}(?:" + _DOT
    + r"[a-z0-9-]{1,63}){0,3}?" + _DOT + _TLD + r"\b")
_NAMED_NUMBER = ("isbn", "issn", "oclc")
_PLAIN = re.compile(r"[a-z0-9._%+@-]+")


def extra_spans(folded: str) -> list[tuple[int, int, str]]:
    """(start, end, placeholder) in ``folded`` (``fold`` of the text; the caller maps
    them back with the main masks' spans)."""
    folded = folded.translate(_DASHES)  # one character for one: positions kept
    found: list[tuple[int, int, str]] = []
    for match in _SPELLED_EMAIL.finditer(folded):
        if not _PLAIN.fullmatch(match.group()):  # written plainly: the main masks decided
            found.append((match.start(), match.end(), "[email removed]"))
    for match in _NUMBERS.finditer(folded):
        before = folded[max(0, match.start() - 8):match.start()]
        if not any(name in before for name in _NAMED_NUMBER):
            found.append((match.start(), match.end(), "[phone removed]"))
    for match in _LOCAL.finditer(folded):
        found.append((match.start(1), match.end(1), "[phone removed]"))
    return found
