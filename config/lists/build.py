"""Rebuild the shipped word lists from Surge AI's profanity list (MIT licence).

Run: ``python config/lists/build.py PATH/TO/profanity_en.csv`` (the CSV of
github.com/surge-ai/profanity, commit 77dabf36454fd9b0f85c777c2808d416bc41f797). The lists
in this folder were produced this way; their headers name the source, licence and version.

How each row becomes a list (the judgement calls are here, in the open, so staff can
disagree with them in a pull request rather than in a moderation queue):

- racial, ethnic, orientation, gender, disability slurs rated Strong or Severe: ``hate.txt``
  (removed by default) -- except terms reclaimed within the communities they name or with
  a common innocent sense (``REVIEW``): those go to ``hate-review.txt``, which only ever
  alerts staff, as the Code's concern for reclaimed terms and dialect requires;
- swearing used as an exclamation or an intensifier (``EXPLETIVE``: "shit", "fuck",
  "goddamn", "ass" as in "pain in the ass", "bollocks", "fugly"): ``expletives.txt``, which alerts
  staff only when the word is aimed at a person ("fuck you", "you piece of shit") -- said
  of a thing ("this driver is shit", "oh fuck") it is swearing, not a personal insult;
  forms that are insults or directed by themselves ("shithead", "fuck off", "stfu") are
  not expletives and stay where the raters put them;
- sexual anatomy and acts: ``sexual.txt``; everything else (excrement, insults, oaths):
  ``profanity.txt``; both alert staff by default;
- ``DROP``: rows that are ordinary words far more often than abuse (health and anatomy
  terms, animals, food, names) are not shipped at all;
- rows without a letter (``@55``) are left out: a match of digits and symbols alone is
  read as no word (``8.455.2``), so the bot would never act on them;
- rows with ``*`` inside (``c*nt``) are left out: ``*`` is the wildcard of our list syntax,
  and the normaliser already catches the spelled-out word.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
from pathlib import Path

SOURCE = "https://github.com/surge-ai/profanity (profanity_en.csv)"
VERSION = "commit 77dabf36454fd9b0f85c777c2808d416bc41f797 (2022-06-10)"
LICENCE = "MIT, Copyright (c) 2021 Surge AI"
HATE = {"racial / ethnic slurs", "sexual orientation / gender", "mental disability",
        "physical disability"}
SEXUAL = "sexual anatomy / sexual acts"
# Reclaimed within a community (AAE "nigga", queer, dyke, twink) or with a common innocent
# sense (coon: raccoon; spook: ghost; hoe: garden tool; fag: cigarette in British English).
_RECLAIMED = re.compile(r"^(?:n[i1]gg?[a@4]h?[sz]?|n[i1]gg[a@4]h[sz]|n[i1]ggaz+es|nigguh[sz]?|"
                        r"niguh|nikkas?|nickas?|nuckas|negga|jigga|jiggas)$")
# Ableist terms used casually and, until 2010, clinically ("mental retardation"): to staff.
_ABLEIST = re.compile(r"^(?:retard|tard)")
_BITCH = re.compile(r"b[i1!l][a-z0-9+ !@]{0,3}[t+][c(]h|biatch|b[i1]otch|beeotch|bizzach")
# General insults the raters filed under a group ("dipsh1t" as mental disability): an
# insult like "dipshit" (profanity), not a slur against the group.
_INSULT = re.compile(r"^dipsh")
# Insults about sexual behaviour, reclaimed by the people they target (SlutWalk, sex
# workers' own "whore"): to staff, never removed automatically.
_SEXUAL_INSULT = re.compile(r"^(?:s-?lut|wh[o0]a?r|skank)")
REVIEW = {"coon", "coons", "coonie", "coonies", "c00n", "coon1es", "c00nies", "cooni3s",
          "spook", "spooks", "jap", "homo", "homos", "queer", "queers", "dyke", "twink",
          "sissy", "fag", "fags", "faggs", "gyp", "mong", "hoe", "hoes", "tramp", "tart",
          "greaser", "mongrel", "bender", "flamer", "flamers", "cholo", "klan", "tranny",
          "transvestite", "ladyboy", "ladyboys", "lesbo", "slag", "skank", "skanks", "gay wad",
          "redskin", "negro", "negroes", "wop", "dago", "paki", "puta", "tard", "nig", "nigs",
          # Also words of history, anthropology or literature (quoted in discussion):
          "mongoloid", "negroid", "shylock", "coolie", "heeb", "window licker", "spig",
          "pancake face", "jiggs", "kkk",
          # Words with a common innocent sense, so a match is uncertain: surnames
          # (Higgers, Gaylord), Latin and anatomy ("substantia nigra", "linea nigra"),
          # a martial art (sambo), a macaw (Spix's), a cricket delivery (chinaman), a
          # character in literature (Injun Joe), "shyster" misspelt, a Klan member.
          "higger", "higgers", "higga", "nigra", "nigre", "gaylord", "gaylords", "sambo",
          "spix", "injun", "sheister", "shiester", "ku kluxer",
          # Other spellings of a reviewed term go where the term goes ("ladyboy", a
          # self-identifier of Thai kathoey); a self-label reclaimed by gay Asians; the
          # harvesting machine and the job.
          "lady-boy", "ladiboy", "ladyboi", "gaysian", "cotton picker"}
DROP = {"crows", "crow", "nuggets", "buttermilk", "abbie", "aboe", "knickers", "jigger",
        "nicker", "zip in the wire", "jim crow", "slit", "hoar", "69", "anal", "anus",
        "bates", "bbc", "breasts", "crotch", "booty", "finger", "forked", "peter", "sack",
        "suck", "rectum", "sphincter", "vulva", "spanking", "bondage", "diddle", "dipstick",
        "dong", "wang", "knob", "muff", "snatch", "pecker", "puss", "pusses", "pussy cat",
        "octopussy", "hooters", "cooter", "coot coot", "weenie", "weiner", "ramrod",
        "douche", "bugger", "dix", "nobs", "sixty-nine", "s&m", "vag", "groper", "cajones",
        "caca", "cack", "cooties", "hustler", "sheet", "shet", "swine", "sperm", "scut",
        "nonce", "tosser", "bastinado", "gowl", "shat", "crazy sob",
        "dolt", "goddaamn", "b to the inch", "loose woman", "nut butter", "man seed",
        "baby batter", "bum", "stump chewer", "palm jockey", "cox", "c0x", "nip",
        # Leetspeak whose plain reading is an ordinary (dialect) word: the row "4skin"
        # reads "askin" ("I'm askin'"); "foreskin" itself stays. Likewise "n1g3r" reads
        # "Niger" (the country and the river: the double-g spellings stay), "j3rk" reads
        # "jerk" (knee-jerk, jerk chicken; the source does not list the word itself) and
        # "l3itch" the surname Leitch.
        "askin", "niger", "jerk", "leitch", "leitches"}


# Entries written for coc-bot (MIT, as coc-bot): well-known slurs and coded terms the
# source lacks. Reviewed ones are mostly innocent in some contexts or reclaimed.
SUPPLEMENT = {
    "hate": ["towel head", "border jumper", "border hopper", "anchor baby",
             "spearchucker", "golliwog", "jungle bunny", "sheboon"],
    # Phrases aimed at a person by themselves, so they alert on any use (the expletive
    # inside them alone would need a "you" nearby).
    "profanity": ["eat shit", "get the fuck out", "gtfo"],
    "hate-review": ["white trash", "trailer trash", "trailer park trash", "ghetto trash",
                    "whitey", "nicca", "niccas", "queer", "slant", "slants",
                    "gypsy", "gypsies", "colored folk", "coloured folk",
                    "subhuman", "gaywad", "chinaman"],
}
_LEET = str.maketrans("013457@$!", "oieastasi")
# Swearing as an exclamation or intensifier, read after leetspeak is undone (and "+" as
# "t": "sh!+"). Compounds that name a person ("shithead", "dumbass", "motherfucker") and
# phrases that are aimed by themselves ("fuck you", "go fuck yourself") do not match.
EXPLETIVE = re.compile(
    r"^(?:(?:ape |bat|bull ?|horse ?|dog ?|pig|holy |fucking )?sh[i!]tt?(?:e|s|ty|y|ted|ting|"
    r"tings|es|ed|ey|i|ies|iest|tastic|sful|yful|3)?|shite[sy]?|"
    r"(?:holy )?f(?:u|v)?(?:c|k|cc|ck|kk|x)(?:k|c)?(?:s|ed|in|ing|1n|1ng|ings?|ked|king)?"
    r"(?: up|up)?|clusterf(?:u)?ck(?:s|ed|ing)?|fucking (?:a|hell|shit)|what the fuck|"
    r"god ?-?d(?:a|@)mm?(?:n|ned|nit|n it|it)?|g(?:o|0)dd?amn(?:ed|it)?|"
    r"ass|asses|arse|arsed|arses|bollocks?|boll(?:o|0)cks?|fugly)$")


def _plain(word: str) -> str:
    return word.translate(_LEET)


def _bucket(row: dict[str, str]) -> str | None:
    text = row["text"].strip()
    word = _plain(text.lower())
    if "*" in text or word in DROP or not any(c.isalpha() for c in text):
        return None  # no letter ("@55"): automod reads digits and symbols as no word
    category, severity = row["category_1"], row["severity_description"]
    if _BITCH.search(word) or _INSULT.search(word):
        return "profanity"  # rated Mild to Strong by the raters: an insult, not a slur
    if category in HATE and severity != "Mild" and _SEXUAL_INSULT.search(word):
        return "hate-review"
    review = word in REVIEW or _RECLAIMED.match(word) or _ABLEIST.search(word)
    if category in HATE and severity != "Mild":
        return "hate-review" if review else "hate"
    if review:
        return "hate-review"
    if EXPLETIVE.match(word.replace("+", "t")):
        return "expletives"
    return "sexual" if category == SEXUAL else "profanity"


def main(path: str) -> None:
    raw = Path(path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    buckets: dict[str, set[str]] = {}
    for row in csv.DictReader(raw.decode("utf-8").splitlines()):
        bucket = _bucket(row)
        if bucket is not None:
            buckets.setdefault(bucket, set()).add(row["text"].strip().lower())
    added = {name: set(words) for name, words in SUPPLEMENT.items()}
    for name, words in added.items():
        buckets[name] |= words
    here = Path(__file__).parent
    for name, words in sorted(buckets.items()):
        header = (f"# coc-bot list '{name}': {len(words)} entries, one per line.\n"
                  f"# Source: {SOURCE}\n# Version: {VERSION}; sha256 {digest}\n"
                  f"# Licence: {LICENCE}. Selected and categorised by config/lists/build.py.\n"
                  f"# Plus {len(added.get(name, ()))} entries written for coc-bot (MIT): "
                  "SUPPLEMENT in build.py.\n"
                  "# Lines starting with # are comments; '*' at either end is a wildcard.\n")
        body = "\n".join(sorted(words))
        (here / f"{name}.txt").write_text(header + body + "\n", encoding="utf-8")
        print(f"{name}: {len(words)}")


if __name__ == "__main__":
    main(sys.argv[1])
