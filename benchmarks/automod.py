"""Automod throughput: our engine against the peers' one-``re``-per-rule approach.

Run: ``.venv/bin/python -m benchmarks.automod`` (``--messages 20000`` for a quicker run).

Generates a seeded corpus of realistic chat messages (5-400 characters: English prose,
some accented, Cyrillic, CJK and emoji text, links, mentions, numbers, the odd price,
email or phone number, obfuscated insults), a staff configuration with 1,000 keywords,
100 regular expressions and every built-in detector on, and measures on one core:

1. messages per second through ``Automod.scan`` (normalisation and every detector);
2. the same corpus through the peers' approach: one Python ``re`` pattern per rule
   (1,100 rules), tried one after another; this is slow, so it runs on a slice of the
   corpus and the per-message rate is extrapolated (the output says so);
3. throughput with 10,000 keywords against 1,000;
4. time per 10,000-character message with a hostile nested-quantifier pattern set
   (Python's ``re`` is not run on it: ``(a+)+$`` alone takes seconds on 30 characters).

Times are this process's CPU time (``time.process_time``), so a busy shared machine
skews both sides less; still quote the ratio, measured in one run.

For a before/after, run this same file against another checkout's ``bot`` package (a
``git worktree`` of main): ``PYTHONPATH=/path/to/main-worktree:. python -c "import
benchmarks.automod as b; b.main()"`` from a directory where ``benchmarks`` is this copy.
"""

from __future__ import annotations

import argparse
import random
import re
import string
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import re2

from bot.core.automod import Automod, ScannedMessage, fold, load_automod
from bot.core.automod._lists import LIST_RULES

SEED = 20260105

# CPU time of this process: the work is single-threaded, and on a shared machine other
# processes' load would otherwise count as ours (and as the peers').
_now = time.process_time


def _split(text: str) -> list[str]:
    return text.split()


WORDS = _split(
    "the library book catalog patron reference digital archive collection meeting program "
    "budget grant board committee conference session webinar literacy outreach children "
    "teen adult services circulation metadata cataloging rda marc record access policy "
    "privacy censorship challenge intellectual freedom advocacy community partner funding "
    "staff training workshop storytime makerspace database subscription vendor contract "
    "ebook audiobook license open source repository preservation rare special manuscript "
    "question thanks everyone anyone know how does your handle when we our they this that "
    "with from about have been would could should really great idea agree disagree "
    "interesting point article share link resource slides recording today tomorrow week "
    "class assessment analysis scunthorpe passage classic assistant cocktail shitake "
    "therapist grape button analytics"
)
ACCENTED = _split("café résumé naïve façade coöperate señor über jalapeño crème brûlée")
CYRILLIC = _split("библиотека книга читатель каталог встреча")
CJK = ["図書館", "本を読む", "会議", "资料", "目录"]
EMOJI = ["📚", "👍", "🎉", "😂", "❤️", "🙏", "👩‍💻", "🏳️‍🌈", "✨", "🤔"]
DOMAINS = ["ala.org", "example.com", "github.com", "youtube.com", "docs.google.com",
           "wikipedia.org", "nytimes.com", "bit.ly", "libguides.com", "worldcat.org"]
INSULTS = ["idiot", "moron", "loser", "stupid", "dumbass", "jerk", "clown", "imbecile"]


def _link(rng: random.Random) -> str:
    path = "".join(rng.choices(string.ascii_lowercase + string.digits, k=rng.randint(3, 12)))
    return f"https://{rng.choice(DOMAINS)}/{path}"


def _obfuscate(rng: random.Random, word: str) -> str:
    tricks: list[Callable[[str], str]] = [
        lambda w: w.replace("o", "0").replace("i", "1"),
        lambda w: w.replace("a", "а").replace("o", "о"),  # Cyrillic а, о
        lambda w: "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in w),
        lambda w: "\u200d".join(w),
        str.upper,
    ]
    return rng.choice(tricks)(word)


def _token(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.80:
        return rng.choice(WORDS)
    if roll < 0.84:
        return rng.choice(ACCENTED)
    if roll < 0.86:
        return rng.choice(CYRILLIC)
    if roll < 0.875:
        return rng.choice(CJK)
    if roll < 0.91:
        return rng.choice(EMOJI)
    if roll < 0.93:
        return _link(rng)
    if roll < 0.95:
        return str(rng.randint(1, 2030))
    if roll < 0.96:
        return f"<@{rng.randint(10**17, 10**18)}>"
    if roll < 0.962:
        return f"${rng.randint(5, 500)}"
    if roll < 0.963:
        return f"{rng.choice(WORDS)}@example.org"
    if roll < 0.964:
        return f"(312) 555-{rng.randint(1000, 9999)}"
    if roll < 0.966:
        return _obfuscate(rng, rng.choice(INSULTS))
    return rng.choice(WORDS).capitalize() + rng.choice([".", ",", "?", "!"])


def corpus(count: int, rng: random.Random) -> list[str]:
    """Chat messages of 5-400 characters, most of them short."""
    out = []
    for _ in range(count):
        target = min(400, max(5, int(rng.expovariate(1 / 90))))
        parts: list[str] = []
        size = 0
        while size < target:
            token = _token(rng)
            parts.append(token)
            size += len(token) + 1
        text = " ".join(parts)[:target]
        out.append(text if len(text) >= 5 else text.ljust(5, "!"))
    return out


def keywords(count: int, rng: random.Random) -> list[str]:
    """Staff keyword lists: real insults plus invented words that rarely occur."""
    syllables = ["ka", "zo", "ri", "mu", "pex", "dro", "vul", "tak", "shi", "gno", "bri",
                 "qua", "lix", "mor", "fen", "yag", "thu", "wib", "ost", "zel"]
    words = set(INSULTS)
    while len(words) < count:
        words.add("".join(rng.choices(syllables, k=rng.randint(2, 4))))
    return sorted(words)[:count]


def regexes(count: int, rng: random.Random) -> list[str]:
    """Staff-style patterns (safe for Python's ``re`` too, so the peers can run them)."""
    templates = [
        r"\bfree\s+(?:nitro|gift|crypto|{w})\b",
        r"\b{w}\s+{w2}\s+now\b",
        r"\b(?:buy|sell)\s+{w}s?\b",
        r"https?://[a-z0-9.-]*{w}[a-z0-9.-]*\.(?:xyz|top|click|loan)",
        r"\b{w}\d{{2,4}}\b",
        r"\b(?:{w}|{w2})[\s_-]*(?:hack|cheat|crack)s?\b",
        r"\bwin\s+(?:a|an|the)\s+{w}\b",
        r"\b{w}\s*(?:!!+|\?\?+)",
    ]
    pool = keywords(400, rng)
    return [rng.choice(templates).format(w=rng.choice(pool), w2=rng.choice(pool))
            for _ in range(count)]


HOSTILE = [r"(a+)+$", r"(a|aa)+$", r"(\w+\s?)+$", r"^(a|a?)+b$", r"(x+x+)+y",
           r"(.*a){12}", r"([a-z]+)*[0-9]$", r"(\d+|\w+)*!$"]


def config(keyword_count: int, regex_count: int, rng: random.Random,
           extra_patterns: Sequence[str] = ()) -> dict[str, Any]:
    """An ``[automod]`` table with every detector on."""
    return {
        "exempt_roles": ["staff"],
        "rules": {
            "insults": {"type": "keywords", "clause": "no-hate", "severity": "serious",
                        "action": "remove_and_explain", "words": keywords(keyword_count, rng)},
            "staff-patterns": {"type": "regex", "clause": "no-restricted-content",
                               "patterns": regexes(regex_count, rng) + list(extra_patterns)},
            "blocked-link": {"domains": [f"blocked{i}.example" for i in range(50)]
                             + ["grabify.link", "iplogger.org"]},
            "pii-email": {"allowed_domains": ["ala.org"]},
            "impersonation": {"protected": [{"name": f"Staff Person {i}", "ids": [f"u{i}"]}
                                            for i in range(20)]},
        },
        "profiles": {f"discord:1:{c}": {"restricts_promotion": True} for c in range(0, 50, 2)},
    }


def messages(texts: Sequence[str], rng: random.Random) -> list[ScannedMessage]:
    start = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    out = []
    clock = 0.0
    for text in texts:
        clock += rng.random() * 2
        author = rng.randint(1, 2000)
        out.append(ScannedMessage(
            text=text, author_id=f"u{author}", channel_id=f"discord:1:{rng.randint(0, 49)}",
            category_id=f"discord:1:cat{rng.randint(0, 4)}",
            timestamp=start + timedelta(seconds=clock),
            author_roles=frozenset({"member"}), mentions=text.count("<@"),
            display_name=f"Member {author}"))
    return out


def _rate(automod: Automod, batch: Sequence[ScannedMessage]) -> tuple[float, int]:
    flagged = 0
    began = _now()
    for message in batch:
        if automod.scan(message):
            flagged += 1
    elapsed = _now() - began
    return len(batch) / elapsed, flagged


_ROUNDS = 20


def interleaved(automod: Automod, batch: Sequence[ScannedMessage], peer_texts: Sequence[str],
                words: Sequence[str], patterns: Sequence[str]) -> tuple[float, float, int]:
    """Our rate, the peers' rate and how many messages we flagged, measured in alternating
    slices of both corpora, so the ratio compares like with like on a noisy machine."""
    compiled = [re.compile(rf"\b{re.escape(w)}\b", re.IGNORECASE) for w in words]
    compiled += [re.compile(p, re.IGNORECASE) for p in patterns]
    ours = theirs = 0.0
    flagged = 0
    for round_ in range(_ROUNDS):
        slice_ = batch[round_ * len(batch) // _ROUNDS:(round_ + 1) * len(batch) // _ROUNDS]
        began = _now()
        for message in slice_:
            if automod.scan(message):
                flagged += 1
        ours += _now() - began
        texts = peer_texts[round_ * len(peer_texts) // _ROUNDS:
                           (round_ + 1) * len(peer_texts) // _ROUNDS]
        began = _now()
        for text in texts:
            for pattern in compiled:
                if pattern.search(text):
                    break
        theirs += _now() - began
    return len(batch) / ours, len(peer_texts) / theirs, flagged


def check_set_agrees(texts: Sequence[str], patterns: Sequence[str]) -> int:
    """Sanity: the RE2 set reports exactly what each pattern finds on its own."""
    options = re2.Options()
    options.case_sensitive = False
    options.max_mem = 256 << 20
    pattern_set = re2.Set.SearchSet(options)
    for pattern in patterns:
        pattern_set.Add(pattern)
    pattern_set.Compile()
    singles = [re2.compile(p, options) for p in patterns]
    mismatches = 0
    for text in texts:
        folded = fold(text)
        together = set(pattern_set.Match(folded) or [])
        alone = {i for i, p in enumerate(singles) if p.search(folded)}
        mismatches += together != alone
    return mismatches


def hostile(count: int, rng: random.Random) -> tuple[float, float, float]:
    """Milliseconds per 10,000-character message with nested-quantifier patterns on.

    Two sets of messages: inputs built to make those patterns backtrack ("aaaa...!"),
    and realistic chat text 10,000 characters long (which trips many other rules too),
    the latter twice: first pass (RE2 still building its DFA states) and steady state.
    """
    automod = Automod(load_automod(config(1000, 100, rng, HOSTILE)))
    worst = ["a" * 9_999 + "!", "a" * 10_000, "x" * 9_999 + "z", ("word " * 2_000)[:9_999] + "!",
             "1" * 9_999 + "a", "aaaaaaaaaaab" * 833]
    long_texts = [" ".join(corpus(200, rng))[:10_000] for _ in range(count)]
    results = []
    for texts in (worst * 10, long_texts, long_texts):  # the last: RE2's DFA cache is warm
        batch = messages(texts, rng)
        began = _now()
        for message in batch:
            automod.scan(message)
        results.append((_now() - began) / len(batch) * 1000)
    return results[0], results[1], results[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--peer-messages", type=int, default=2_000,
                        help="corpus slice for the slow one-re-per-rule approach")
    args = parser.parse_args()
    rng = random.Random(SEED)
    texts = corpus(args.messages, rng)
    batch = messages(texts, rng)
    print(f"corpus: {len(texts):,} messages, {sum(map(len, texts)) / len(texts):.0f} chars "
          f"on average (5-400), seed {SEED}")

    cfg_rng = random.Random(SEED + 1)
    table = config(1000, 100, cfg_rng)
    automod = Automod(load_automod(table))
    _rate(automod, batch[:2000])  # warm caches (normalisation table, channel settings)
    automod = Automod(load_automod(table))
    words = table["rules"]["insults"]["words"]
    patterns = table["rules"]["staff-patterns"]["patterns"]
    peer_texts = texts[:min(args.peer_messages, len(texts))]
    ours, theirs, flagged = interleaved(automod, batch, peer_texts, words, patterns)
    shipped = sum(len(kl.words) for kl in automod.config.keyword_lists
                  if kl.rule_id in LIST_RULES)
    on = sum(settings.enabled for settings in automod.config.rules.values())
    print(f"ours, the shipped lists ({shipped:,} entries) + 1,000 keywords + 100 regexes + "
          f"every built-in detector ({on} rules on; the optional toxicity model is not "
          f"installed by default): {ours:,.0f} msg/s ({flagged:,} messages flagged)")
    print(f"peers, {len(words) + len(patterns):,} Python re patterns one after another: "
          f"{theirs:,.0f} msg/s (measured on the first {len(peer_texts):,} messages and "
          f"extrapolated per message)")
    print(f"speed-up: {ours / theirs:,.0f}x (both measured in {_ROUNDS} alternating rounds, "
          "so a busy spell on a shared machine slows both)")

    big = Automod(load_automod(config(10_000, 100, random.Random(SEED + 2))))
    _rate(big, batch[:2000])
    big = Automod(load_automod(config(10_000, 100, random.Random(SEED + 2))))
    big_rate, _ = _rate(big, batch)
    print(f"ours with 10,000 keywords: {big_rate:,.0f} msg/s "
          f"({big_rate / ours:.0%} of the 1,000-keyword rate)")

    mismatches = check_set_agrees(texts[:2000], patterns)
    print(f"RE2 set vs each pattern alone on 2,000 messages: {mismatches} disagreements")

    worst, cold, warm = hostile(50, random.Random(SEED + 3))
    print(f"hostile pattern set {HOSTILE} added to the staff patterns, 10,000-char messages: "
          f"{worst:.3f} ms per message built to make them backtrack; realistic chat text "
          f"with all rules on: {cold:.3f} ms per message on first pass, {warm:.3f} ms warm")


if __name__ == "__main__":
    main()
