"""Synthetic chat that a pattern set reads once when it is compiled.

RE2 builds its DFA lazily, state by state, as text reaches them, and a set of patterns
whose members count words or digits (an address: a number, one to three words, a street
word) has many states. Ordinary messages keep reaching new ones for a while: the first
long messages a new set read cost about twice what later ones did. Reading this text once
at compile time builds the states ordinary chat needs before any message waits on them.

It is generated, not taken from any corpus we measure on: common English words, some
capitalised, numbers of every length and shape chat has (times, prices, dates, phone-like
groups, versions), links, mentions, addresses in the shapes postal services describe, and
a few characters outside ASCII, in a fixed pseudo-random order so every process builds the
same states.
"""

from __future__ import annotations

import functools
import random

from bot.core.automod.normalize import fold


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_WORDS = _words(
    "the of and to a in is it you that he was for on are with as i his they be at one have "
    "this from or had by hot word but what some we can out other were all there when up use "
    "your how said an each she which do their time if will way about many then them write "
    "would like so these her long make thing see him two has look more day could go come did "
    "number sound no most people my over know water than call first who may down side been "
    "now find any new work part take get place made live where after back little only round "
    "man year came show every good me give our under name very through just form sentence "
    "great think say help low line differ turn cause much mean before move right boy old too "
    "same tell does set three want air well also play small end put home read hand port large "
    "spell add even land here must big high such follow act why ask men change went light "
    "kind off need house picture try us again animal point mother world near build self earth "
    "father head stand own page should country found answer school grow study still learn "
    "plant cover food sun four between state keep eye never last let thought city tree cross "
    "farm hard start might story saw far sea draw left late run don't while press close night "
    "real life few north open seem together next white children begin got walk example ease "
    "paper group always music those both mark often letter until mile river car feet care "
    "second book carry took science eat room friend began idea fish mountain stop once base "
    "hear horse cut sure watch color face wood main enough plain girl usual young ready above "
    "ever red list though feel talk bird soon body dog family direct pose leave song measure "
    "door product black short numeral class wind question happen complete ship area half rock "
    "order fire south problem piece told knew pass since top whole king space heard best hour "
    "better true during hundred five remember step early hold west ground interest reach fast "
    "verb sing listen six table travel less morning ten simple several vowel toward war lay "
    "against pattern slow center love person money serve appear road map rain rule govern "
    "pull cold notice voice unit power town fine certain fly fall lead cry dark machine note "
    "wait plan figure star box noun field rest correct able pound done beauty drive stood "
    "contain front teach week final gave green oh quick develop ocean warm free minute strong "
    "special mind behind clear tail produce fact street inch multiply nothing course stay "
    "wheel full force blue object decide surface deep moon island foot system busy test record "
    "boat common gold possible plane stead dry wonder laugh thousand ago ran check game shape "
    "equate miss brought heat snow tire bring yes distant fill east paint language among"
)
_NAMES = ("Main", "Oak", "Park", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill",
          "Church", "Mill", "River", "Spring", "North", "Union", "Market", "Bridge", "Station")
_STREET_WORDS = ("Street", "St", "Avenue", "Ave", "Road", "Rd", "Lane", "Drive", "Court",
                 "Way", "Place", "Terrace", "Boulevard", "Square", "Highway", "Circle")
_OTHER = ("café", "naïve", "résumé", "über", "señor", "“quoted”", "—", "…", "✨", "📚", "👍",
          "🎉", "❤️", "книга", "会議", "図書館", "ñ", "ø", "ß")
_DOMAINS = ("example.org", "example.com", "docs.example.net", "library.example.edu")


def _number(rng: random.Random) -> str:
    shape = rng.randrange(12)
    digits = "".join(rng.choices("0123456789", k=rng.randint(1, 6)))
    return [
        digits,
        f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d}",
        f"${rng.randint(1, 999)}.{rng.randint(0, 99):02d}",
        f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{rng.randint(2000, 2030)}",
        f"{rng.randint(200, 999)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
        f"({rng.randint(200, 999)}) {rng.randint(200, 999)} {rng.randint(1000, 9999)}",
        f"v{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        f"{rng.randint(1, 100)}%",
        f"{rng.randint(1, 9)},{rng.randint(100, 999)}",
        f"#{rng.randint(1, 9999)}",
        f"{rng.randint(1, 31)}st",
        f"{rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
    ][shape]


def _token(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.70:
        word = rng.choice(_WORDS)
        return word.capitalize() if rng.random() < 0.12 else word
    if roll < 0.82:
        return _number(rng)
    if roll < 0.86:
        return f"{rng.randint(1, 9999)} {rng.choice(_NAMES)} {rng.choice(_STREET_WORDS)}"
    if roll < 0.89:
        return f"https://{rng.choice(_DOMAINS)}/{rng.choice(_WORDS)}/{rng.randint(1, 99)}"
    if roll < 0.91:
        return f"{rng.choice(_WORDS)}.{rng.choice(_WORDS)}@{rng.choice(_DOMAINS)}"
    if roll < 0.93:
        return f"<@{rng.randint(10 ** 17, 10 ** 18)}>"
    return rng.choice(_OTHER)


def warm_text(size: int, seed: int = 0) -> str:
    """About ``size`` characters of synthetic chat, the same for the same arguments."""
    rng = random.Random(seed)
    out: list[str] = []
    length = 0
    while length < size:
        sentence = " ".join(_token(rng) for _ in range(rng.randint(3, 18)))
        sentence += rng.choice((".", ".", ",", "!", "?", "", ":", ";", " -"))
        out.append(sentence)
        length += len(sentence) + 1
    return " ".join(out)[:size]


_SYNTHETIC_SIZE = 32_000  # characters: past this, more text built few states more


@functools.cache
def synthetic_chat() -> bytes:
    """``warm_text`` folded as the pattern sets read it, in UTF-8 (built once)."""
    return fold(warm_text(_SYNTHETIC_SIZE)).encode("utf-8", "surrogatepass")
