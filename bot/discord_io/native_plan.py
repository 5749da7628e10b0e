"""Which of the bot's word lists become which Discord AutoMod rules, within Discord's limits.

Pure: no discord.py, no network. :func:`plan` turns the chosen categories (the list rules
of ``bot.core.automod``, read through ``AutomodConfig.keyword_lists``) into at most
:data:`MAX_KEYWORD_RULES` keyword rules and says what did not fit; the sync
(``native_automod.py``) compares that with what Discord holds.

**Translating the bot's matching into Discord's.** Both take ``*word``, ``word*`` and
``*word*`` the same way, so wildcard entries go across as written. A plain entry is a
whole word for both, but the bot also catches its inflections (``-s``, ``-es``, ``-ed``,
``-ing``, stem changes such as ``pussy`` → ``pussies``), which Discord does not: each
form becomes a keyword of its own, the listed spelling first, then the natural plural,
then the rest, so when a category outgrows its rules the rarest forms are the ones left
to the bot. What Discord cannot express at all stays with the bot's own automod, which
still reads every message Discord lets through: look-alike letters (``іdiot`` with a
Cyrillic і) and spacing tricks (``s h i t``), separators read loosely (``son-of-a-bitch``
for ``son of a bitch``), and entries longer than Discord's 60 characters.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# Discord's limits for KEYWORD rules (developer docs, Auto Moderation).
MAX_KEYWORD_RULES = 6
MAX_KEYWORDS = 1000
MAX_KEYWORD_LENGTH = 60
MAX_ALLOW = 100
MAX_ALLOW_LENGTH = 60
MAX_REGEXES = 10
MAX_REGEX_LENGTH = 260
MAX_EXEMPT_ROLES = 20
MAX_CUSTOM_MESSAGE = 150
MAX_TIMEOUT_SECONDS = 28 * 24 * 3600

RULE_PREFIX = "coc-bot: "  # with the creator id, how the bot knows its own rules
_VOWELS = frozenset("aeiou")
_LOOSE = frozenset(" '-._")  # separators the bot's engine reads loosely


@dataclass(frozen=True, slots=True)
class PlannedRule:
    """One Discord AutoMod keyword rule the bot wants to exist, as Discord stores it."""

    name: str
    category: str
    keywords: tuple[str, ...]
    allow_list: tuple[str, ...]
    regex_patterns: tuple[str, ...] = ()

    def trigger(self) -> dict[str, list[str]]:
        return {"keyword_filter": list(self.keywords),
                "regex_patterns": list(self.regex_patterns),
                "allow_list": list(self.allow_list)}


@dataclass(frozen=True, slots=True)
class Plan:
    """The rules to hold, and per category what stays with the bot's own automod."""

    rules: tuple[PlannedRule, ...]
    left_out: Mapping[str, int] = field(default_factory=dict)  # category -> keywords
    too_long: Mapping[str, int] = field(default_factory=dict)  # category -> entries > 60
    allow_left_out: int = 0

    def problems(self) -> list[str]:
        """One sentence per category that did not fit, for the log and check-config."""
        lines = [f"{count} keywords of category {category} did not fit in Discord AutoMod; "
                 "they stay with the bot's own automod" for category, count in
                 self.left_out.items() if count]
        lines += [f"{count} entries of category {category} are longer than Discord's "
                  f"{MAX_KEYWORD_LENGTH} characters; they stay with the bot's own automod"
                  for category, count in self.too_long.items() if count]
        if self.allow_left_out:
            lines.append(f"{self.allow_left_out} allow-list entries did not fit in Discord's "
                         f"{MAX_ALLOW} per rule (or are longer than {MAX_ALLOW_LENGTH} "
                         "characters); Discord may block those innocent uses")
        return lines


def stem_forms(key: str) -> list[str]:
    """Spellings that change the stem (as the bot's engine adds them to its automaton)."""
    if len(key) < 3 or not key[-1].isalpha() or " " in key[-2:]:
        return []
    last, before = key[-1], key[-2]
    if last == "y" and before not in _VOWELS:
        return [key[:-1] + "ies", key[:-1] + "ied"]
    if last == "e":
        return [key[:-1] + "ing"]
    if last not in _VOWELS and last not in "wxy" and before in _VOWELS \
            and key[-3] not in _VOWELS:
        return [key + last + "ed", key + last + "ing"]
    return []


def forms(entry: str) -> tuple[list[str], list[str], list[str]]:
    """An entry's Discord keywords in three tiers: as listed, natural plural, the rest."""
    word = " ".join(entry.strip().lower().split())
    if word.startswith("*") or word.endswith("*") or not word[-1:].isalnum() \
            or any(not c.isalnum() and c not in _LOOSE for c in word):
        # Wildcards mean the same on both sides; an entry with symbols ("sh!t") is
        # matched as written by the bot too, so neither is inflected.
        return [word], [], []
    # Stem changes are decided on the letters the bot reads ("sh1th3ad" is "shithead"):
    # for a spelling with digits only the plain tails are certain.
    stems = [] if any(c.isdigit() for c in word) else stem_forms(word)
    plural = word + ("es" if word.endswith(("s", "x", "z", "ch", "sh")) else "s")
    if stems and stems[0].endswith("ies"):
        plural = stems[0]
    if word[-1] == "e":
        rest = [word + "d", word[:-1] + "ing"]
    elif stems:
        rest = stems
    else:
        rest = [word + "ed", word + "ing"]
    return [word], [plural], [form for form in rest if form != plural]


def plan(categories: Sequence[str], words: Mapping[str, Sequence[str]],
         allowed: Iterable[str], *, slots: int = MAX_KEYWORD_RULES) -> Plan:
    """Fill at most ``slots`` rules with the categories' keywords, in the order given.

    Each category gets whole rules of its own (so an action event names its category);
    a category's keywords are laid out tier by tier, so what overflows is the rarest
    inflections first. A category with no rule left keeps all its words with the bot.
    """
    rules: list[PlannedRule] = []
    left_out: dict[str, int] = {}
    too_long: dict[str, int] = {}
    allow, allow_dropped = _allow(allowed)
    dropped_allow = allow_dropped
    for category in categories:
        keywords, long_entries = _keywords(words.get(category, ()))
        too_long[category] = long_entries
        chunks = [keywords[i:i + MAX_KEYWORDS] for i in range(0, len(keywords), MAX_KEYWORDS)]
        room = max(0, slots - len(rules))
        left_out[category] = sum(len(chunk) for chunk in chunks[room:])
        kept = chunks[:room]
        for number, chunk in enumerate(kept, start=1):
            suffix = f" ({number}/{len(kept)})" if len(kept) > 1 else ""
            chosen, over = _allow_for(chunk, allow)
            dropped_allow = max(dropped_allow, allow_dropped + over)
            rules.append(PlannedRule(f"{RULE_PREFIX}{category}{suffix}", category,
                                     tuple(chunk), chosen))
    return Plan(tuple(rules), left_out, too_long, dropped_allow)


def _keywords(entries: Sequence[str]) -> tuple[list[str], int]:
    tiers: tuple[list[str], list[str], list[str]] = ([], [], [])
    seen: set[str] = set()
    long_entries = 0
    listed = {" ".join(e.strip().lower().split()) for e in entries}
    for entry in entries:
        if len(entry.strip()) > MAX_KEYWORD_LENGTH:
            long_entries += 1
            continue
        found_forms = forms(entry)
        if _is_form_of_another(found_forms[0][0], listed) \
                or found_forms[0][0].endswith(("ing", "ed")):
            # "beaners" next to "beaner", "shitting": already an inflection
            found_forms = (found_forms[0], [], [])
        for tier, found in zip(tiers, found_forms, strict=True):
            for form in found:
                if form not in seen and len(form) <= MAX_KEYWORD_LENGTH:
                    seen.add(form)
                    tier.append(form)
    return tiers[0] + tiers[1] + tiers[2], long_entries


def _is_form_of_another(word: str, listed: set[str]) -> bool:
    """An entry that is itself an inflection of another listed entry is not inflected
    again: "beaners" → "beanerses" is a keyword nobody types."""
    for tail in ("s", "es", "ed", "ing", "d"):
        if word.endswith(tail) and word[:-len(tail)] in listed:
            return True
    return word.endswith(("ies", "ied")) and word[:-3] + "y" in listed


def _allow(allowed: Iterable[str]) -> tuple[list[str], int]:
    kept, dropped = [], 0
    for entry in dict.fromkeys(" ".join(a.strip().lower().split()) for a in allowed):
        if not entry:
            continue
        if len(entry) > MAX_ALLOW_LENGTH:
            dropped += 1
        else:
            kept.append(entry)
    return kept, dropped


def _allow_for(keywords: Sequence[str], allow: Sequence[str]) -> tuple[tuple[str, ...], int]:
    """At most 100 allow-list entries: first those that hold one of the rule's keywords
    (the innocent uses that rule would otherwise block), then the others."""
    bare = {k.strip("*") for k in keywords}
    relevant = [a for a in allow if any(word in bare for word in a.split())]
    others = [a for a in allow if a not in relevant]
    chosen = (relevant + others)[:MAX_ALLOW]
    return tuple(chosen), max(0, len(relevant) - MAX_ALLOW)


def digest(value: object) -> str:
    """A stable hash of anything JSON can hold (rules, settings), for change detection."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
