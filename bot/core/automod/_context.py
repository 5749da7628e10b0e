"""Where a listed word stands in a message, for the shipped lists: a word, or not one.

The shipped lists match whole words after leetspeak is undone, which is what catches
``f4gg0t``. Read naively, that also finds words where nobody wrote one. Measured on benign
chat (the tuning half of the Ubuntu IRC logs; see ``benchmarks/quality.py``), the false
positives that are not innocent homographs (those are the allow-list's job) fall into two
kinds, and this module tells them apart from words people use:

- **Not a word at all**: the match has no letter in it as written. ``8.455.2`` and
  ``4.5-5.5mb/s`` read as "ass" once digits are read as letters, and so does a row of
  symbols (``!@#$%``). A match is kept only if at least one of its characters was a
  letter before leetspeak was undone (``5h1t`` still is).
- **Part of a name, a link or a file name**: ``Bo^Dick:``, ``bastid_raZor``,
  ``subs.ass``, ``example.com/shit/``. The word is glued to other letters or digits by a
  character that joins identifiers (``_ ^ | . / \\ @ = ~ # [ ] { } < >``), not written as
  a word of the sentence. For the mild lists (profanity, sexual terms) the match is
  dropped; for slurs and threats it is *uncertain*: staff are alerted, nothing is removed
  automatically, as the Code's concern about wrongful sanctions asks.

A slur that opens a message and is followed by ``:`` or ``,`` is the IRC and chat way of
addressing someone by name (``mong: thanks``); it is uncertain too (a nickname, or an
insult thrown at someone): it goes to staff, never to an automatic removal.

- **Mentioned, not used**: a word in quotes on its own (``is "X" allowed here?``) or
  after "the word" / "the term" is talked about, the use-mention distinction that
  discussions of language, moderation and history depend on. A mild word mentioned is
  dropped; a slur mentioned goes to staff (it can be a pretext), never removed.

- **Aimed at a person, or not** (rules read ``only_when_aimed``: ``expletives`` by
  default): "this driver is shit" is swearing about a thing, "you piece of shit" the
  personal insult the Code prohibits; see ``_aim``.

Only the shipped list rules get this reading; a list staff wrote is matched as written.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import Enum

from bot.core.automod._aim import ASK_ANYONE_AFTER, MAX_CHECKS, aimed, could_be_aimed
from bot.core.automod._keywords import Hit

# Characters that join the parts of an identifier (nicknames, file names, e-mail
# addresses, code); "-", "'" and "/" are not among them: "smart-ass", "ass'" and
# "shits/grins" are words. A "." joins only alone ("subs.ass", not "the shit...I").
_JOINERS = frozenset("_^|.\\@=~#[]{}<>")
_LINK_OR_PATH = ("http://", "https://", "www.", "/", "~/", "./")
_ADDRESSING = frozenset(":,")
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "`": "`"}
_NAMING = ("the word ", "the term ", "the slur ", "the words ")

class Reading(Enum):
    """How a keyword match stands in the message."""

    WORD = "word"  # a word of the sentence: the rule acts as configured
    NOT_A_WORD = "not a word"  # digits or symbols only: dropped
    EMBEDDED = "part of a name, link or file name"  # never removed automatically
    ADDRESSING = "a name the message opens with"  # never removed automatically
    MENTIONED = "a word talked about"  # mild lists: dropped; others: never removed


def reading(folded: str, start: int, end: int) -> Reading:
    """How the match ``[start, end)`` of ``folded`` (the case-folded text) stands."""
    if start < 0 or not any(c.isalpha() for c in folded[start:end]):
        return Reading.NOT_A_WORD if start >= 0 else Reading.WORD
    if _glued(folded, start - 1, -1) or _glued(folded, _word_end(folded, end), 1) \
            or _in_link_or_path(folded, start):
        return Reading.EMBEDDED
    if _quoted(folded, start, _word_end(folded, end)) or folded.endswith(_NAMING, 0, start):
        return Reading.MENTIONED
    if not folded[:start].strip() and folded[end:end + 1] in _ADDRESSING:
        return Reading.ADDRESSING
    return Reading.WORD


def _quoted(folded: str, start: int, end: int) -> bool:
    """Whether the word stands alone between a pair of quotes."""
    opening = _QUOTES.get(folded[start - 1]) if start > 0 else None
    return opening is not None and folded[end:end + 1] == opening


def _word_end(folded: str, end: int) -> int:
    """Past an inflection the match already counts ("ass" of "asses"): the word's end."""
    while end < len(folded) and folded[end].isalnum():
        end += 1
    return end


def _glued(folded: str, at: int, step: int) -> bool:
    """Whether a joiner at ``at`` binds the match to letters or digits beyond it."""
    if not 0 <= at < len(folded) or folded[at] not in _JOINERS:
        return False
    beyond = at + step
    while 0 <= beyond < len(folded) and folded[beyond] in _JOINERS:
        beyond += step
    if folded[min(at, beyond - step):max(at, beyond - step) + 1].count(".") > 1:
        return False  # an ellipsis between words
    return 0 <= beyond < len(folded) and folded[beyond].isalnum()


def _in_link_or_path(folded: str, start: int) -> bool:
    """Whether the match lies in a link or a file path (the run of text around it)."""
    token = folded[folded.rfind(" ", 0, start) + 1:start].lstrip("(<\"'")
    return token.startswith(_LINK_OR_PATH) or "://" in token


_DROPPED_IF_MILD = frozenset({Reading.EMBEDDED, Reading.MENTIONED})


def in_context(folded: str, hits: list[Hit], droppable: Collection[str],
               guarded: Collection[str], aimed_only: Collection[str] = ()
               ) -> tuple[list[Hit], set[str]]:
    """The hits that stand, and the rules whose every standing hit is uncertain.

    ``droppable``: rules whose embedded matches are dropped (the mild lists);
    ``guarded``: rules whose embedded or addressing matches only alert staff;
    ``aimed_only``: rules whose matches stand only when aimed at a person. Other
    rules' hits pass unread.
    """
    kept: list[Hit] = []
    anyone: bool | None = None  # whether the message could address anyone at all
    checks = 0
    certain: set[str] = set()
    uncertain: set[str] = set()
    for hit in hits:
        rule_id = hit[0]
        if rule_id not in droppable and rule_id not in guarded:
            kept.append(hit)
            certain.add(rule_id)
            continue
        if rule_id in aimed_only:
            if rule_id in certain:
                continue  # one aimed word makes the finding; the rest need no reading
            checks += 1
            if checks > ASK_ANYONE_AFTER and anyone is None:
                anyone = could_be_aimed(folded)
            if anyone is False or (checks <= MAX_CHECKS
                                   and not aimed(folded, hit[1], hit[2])):
                continue
        how = reading(folded, hit[1], hit[2])
        if how is Reading.NOT_A_WORD or (rule_id in droppable and how in _DROPPED_IF_MILD):
            continue
        kept.append(hit)
        if how is Reading.WORD or rule_id not in guarded:
            certain.add(rule_id)
        else:
            uncertain.add(rule_id)
    return kept, uncertain - certain
