"""Whether a listed word is aimed at a person, for rules read ``only_when_aimed``.

Swearing about a thing ("this driver is shit", "oh fuck") is not the personal insult the
Code prohibits; swearing at someone is ("fuck you", "you piece of shit"). A word counts
as aimed when, in the same clause:

- a second-person word ("you", "your", "u", "ur", "yourself"; "y0u" once leetspeak is
  undone; "you're" read as "you") or a mention (``<@123>``, ``<@U123>``, ``@name``) is
  one of the four words before it ("you are full of bullshit", "<@123> piece of shit");
- or the word right after it is one, or an object pronoun or "off" ("fuck you", "fuck
  off", "fuck 'em").

A clause ends at ``. ! ? ; :`` or a line break, and, looking ahead, also at a comma:
"oh shit, you're right" is not aimed; "you, piece of shit" is.

Only a window of the text around the match is read (``_REACH`` characters either side),
so the cost per match is fixed whatever the message's length. The caller stops asking
about a rule once one of its words is aimed; once a message has many matches it asks
once whether anybody could be addressed in it at all (``could_be_aimed``); and past
``MAX_CHECKS`` matches in a message that does address someone it counts the rule as
aimed: such a message goes to staff, and padding cannot hide an aimed word at its end.
"""

from __future__ import annotations

import re

_SECOND_PERSON = frozenset({"you", "u", "ya", "yu", "your", "ur", "youre", "yours",
                            "yourself", "yourselves", "urself", "thou", "thee", "yall"})
_AFTER = _SECOND_PERSON | frozenset({"off", "him", "her", "them", "em"})
_WORDS = re.compile(r"@?[a-z0-9]+(?:['\u2019][a-z]+)?")
_CLAUSE_BEFORE = re.compile(r"[.!?;:\n]")
_CLAUSE_AFTER = re.compile(r"[.!?;:\n,]")
_LEET = str.maketrans("013457", "oieast")
_BEFORE = 4  # words: "you piece of shit", "you are full of bullshit"
_REACH = 64  # characters read either side of the match
MAX_CHECKS = 100  # matches of one message read for aim; past that, the rule is aimed
# Anything that could make a word aimed, anywhere in the message (one pass, for the
# common case of swearing that addresses nobody).
_ANYONE = re.compile(r"@|(?<![a-z0-9])(?:(?:y[o0]u|ur|y[a4]ll|u|y[a4]|yu|th[o0]u|th[e3][e3]|"
                     r"[o0]ff|h[i1]m|h[e3]r|th[e3]m|[e3]m)(?![a-z0-9])|(?:y[o0]u|ur)[a-z0-9])")
ASK_ANYONE_AFTER = 8  # matches read one by one before the whole message is asked once


def could_be_aimed(folded: str) -> bool:
    """Whether anyone could be addressed in the message: a listener, object or mention."""
    return _ANYONE.search(folded) is not None


def _listener(word: str) -> bool:
    """A mention or a second-person word (a contraction read by its first part)."""
    return word[0] == "@" or _stem(word) in _SECOND_PERSON


def _stem(word: str) -> str:
    stem = word.replace("\u2019", "'").split("'", 1)[0]
    return stem if stem.isalpha() else stem.translate(_LEET)


def aimed(folded: str, start: int, end: int) -> bool:
    """Whether the match ``[start, end)`` of ``folded`` (case-folded) is aimed at a person."""
    window = folded[max(0, start - _REACH):start]
    clause = window
    for clause_end in _CLAUSE_BEFORE.finditer(window):
        clause = window[clause_end.end():]
    if any(_listener(word) for word in _WORDS.findall(clause)[-_BEFORE:]):
        return True
    tail = end
    while tail < len(folded) and folded[tail].isalnum():
        tail += 1  # past an inflection the match counts ("fuck" of "fucking")
    ahead = folded[tail:tail + _REACH]
    stop = _CLAUSE_AFTER.search(ahead)
    following = _WORDS.search(ahead, 0, stop.start() if stop else len(ahead))
    return following is not None and (
        following.group()[0] == "@" or _stem(following.group()) in _AFTER)
