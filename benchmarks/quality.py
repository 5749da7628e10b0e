"""Detection quality of the shipped defaults, measured on labelled data.

Run: ``python -m benchmarks.quality --public`` (every dataset below, fetched once into the
cache by ``benchmarks/fetch_datasets.py`` and verified against its pinned SHA-256), or
name local copies (each is verified against the same pins; ``--unverified`` measures
another copy and says so):

    --davidson labeled_data.csv   Davidson et al. 2017, "Automated Hate Speech
                                  Detection and the Problem of Offensive Language",
                                  github.com/t-davidson/hate-speech-and-offensive-language
                                  (MIT): 24,783 tweets, crowd-labelled hate /
                                  offensive / neither
    --sms spam.csv                UCI SMS Spam Collection (Almeida et al. 2011,
                                  CC BY 4.0), Kaggle's spam.csv layout: label,text;
                                  ships in benchmarks/data/
    --irc DIR                     Ubuntu IRC logs of Kummerfeld et al. 2019,
                                  github.com/jkkummerfeld/irc-disentanglement
                                  data/train/*.raw.txt (CC BY 4.0): benign chat

What it prints, with the configuration an operator gets by installing (empty
``[automod]``): precision, recall and F1 per category; the flag rate and auto-removal
rate on benign chat; personal information per rule on a synthetic set built here from
documented fictional formats (below), so it ships with nothing anybody wrote privately.

Tuning and held-out halves: rules are changed only after reading the tuning halves (even
SMS rows, even-numbered IRC files); ``--show-flags`` prints every flag on the IRC tuning
half, and never a held-out line.

Benign chat is real chat: the IRC figures are printed as measured, then without the lines
judged by hand to break the Code (``data/irc-adjudicated.csv``: a troll's slur flood,
threats, insults aimed at people), since removing those is the bot doing its job.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from benchmarks import fetch_datasets as datasets
from bot.core.automod import Action, Automod, ScannedMessage, load_automod
from bot.core.automod.evaluate import CATEGORIES, Labelled, Score, evaluate

SEED = 20261130
ABUSE = frozenset(CATEGORIES["abuse"])
HATE = frozenset(CATEGORIES["hate"])
_START = datetime(2000, 1, 1, tzinfo=UTC)

# -- synthetic personal information (documented fictional or test values only) ----------------
# Phones: North America's 555-0100..0199, Ofcom's drama numbers (020 7946 0xxx), ACMA's
# fictional mobiles (0491 570 xxx), Japan's and Germany's as written in format examples.
# Cards: the networks' published test numbers. IBANs: the ISO 13616 registry's examples.
# SSNs: random numbers in the issuable ranges (9xx, 000, 666 excluded) -- shape only.
_PHONES = ["(212) 555-01{:02d}", "212-555-01{:02d}", "212.555.01{:02d}", "+1 212 555 01{:02d}",
           "+1-212-555-01{:02d}", "+44 20 7946 0{:03d}", "+44 (0)20 7946 0{:03d}",
           "+61 491 570 1{:02d}", "+81 3-1234-56{:02d}", "+49 30 1234 56{:02d}",
           "+33 1 23 45 67 {:02d}", "0033 1 23 45 67 {:02d}"]
_CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117",
          "3530111333300000", "2223003122003222", "6759649826438453", "36227206271667",
          "4012888888881881", "5105105105105100", "3566002020360505", "6304000000000000"]
_IBANS = ["GB82WEST12345698765432", "DE89370400440532013000", "FR1420041010050500013M02606",
          "NL91ABNA0417164300", "ES9121000418450200051332", "IT60X0542811101000000123456",
          "BE68539007547034", "CH9300762011623852957"]
# Addresses in the formats the postal services document: USPS Publication 28 (streets,
# "City, ST ZIP", military APO/FPO/DPO), Royal Mail, Canada Post, Deutsche Post, PostNL,
# PostNord, Poste Italiane, Correos and La Poste; names are invented or generic.
_STREET_NAMES = ["Evergreen", "Maple", "Oak Hill", "Pennsylvania", "Elm", "Cedar Ridge",
                 "Sunset", "Lincoln", "Harbor View", "Mill", "Church", "Park"]
_SUFFIXES = ["Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Lane", "Drive",
             "Court", "Way", "Place", "Terrace", "Parkway"]
_CITIES = [("Springfield", "IL", "62704"), ("Austin", "TX", "78701"), ("Portland", "OR", "97205"),
           ("Albany", "NY", "12207"), ("Madison", "WI", "53703"), ("Salem", "MA", "01970")]
_INTL = ["{n} Downing Street, London SW1A 2AA", "{n} Sussex Drive, Ottawa, ON K1M 1M4",
         "Hauptstraße {n}, 10115 Berlin", "Kerkstraat {n}, 1017 GC Amsterdam",
         "Drottninggatan {n}, 111 51 Stockholm", "Via Roma {n}, 00184 Roma",
         "Calle Mayor {n}, 28013 Madrid", "{n} rue du Faubourg Saint-Honoré, 75008 Paris",
         "Musterweg {n}, 80331 München", "{n} High Street, Oxford OX1 4AH"]
_MILITARY = ["PSC {a}, Box {b}, APO AE 09{c:03d}", "Unit {a} Box {b}, APO AP 96{c:03d}",
             "CMR {a} Box {b}, APO AE 09{c:03d}", "USS Nimitz (CVN 68), FPO AP 96{c:03d}",
             "Unit {a} Box {b}, DPO AE 09{c:03d}", "PSC {a}, Box {b}, FPO AA 34{c:03d}"]
_ADDRESS_CONTEXTS = ["she lives at {}", "send it to {}", "{} is where he stays",
                     "ship to: {}", "the office moved to {} last year", "mail {}"]
_CONTEXTS = ["call {} tomorrow", "her number is {}", "{} is his", "text them on {} pls",
             "card: {}", "pay into {} by friday", "ssn {}", "here you go {}", "({})"]
_NEGATIVES = [
    "meeting at 10:30 in room 214", "ISBN 978-0-306-40615-7", "order #123456789012",
    "version 3.14.159 is out", "dated 01.02.2024", "user <@123456789012345678> joined",
    "scored 555 to 123", "call number QA76.73.P98", "OCLC 1234567890",
    "tracking 1Z999AA10123456784",
    "we had 1,234,567 visitors", "ticket 4111111111111112", "IBAN GB82WEST12345698765433",
    "ssn 000-12-3456", "the 2024-2025 budget", "room 9000-12-3456",
    "https://example.com/item/4111111111111111x", "ref DE89 3704 0044 0532 0130 01",
    "I have 3 books on the way", "Dell Inspiron 530 SATA drive not detected",
    "we walked 5 miles down the road", "room 12 on the 2nd floor", "apollo 11 landed",
    "the 405 is jammed again", "in 2019 he moved away", "pick 2 cards, any way you like",
    "version 10 of Via Ubuntu", "take the 7 train to Main St", "level 5 boss fight",
    "my ps4 box is broken", "score: 3 Park Rangers, 2 visitors", "see page 42 Figure 3",
]


def _addresses(rng: random.Random) -> list[str]:
    """Postal addresses of every documented kind above, one per message."""
    out = []
    for _ in range(40):
        street = f"{rng.randrange(1, 9999)} {rng.choice(_STREET_NAMES)} {rng.choice(_SUFFIXES)}"
        city, state, zip_code = rng.choice(_CITIES)
        out.append(street if rng.random() < .5 else f"{street}, {city}, {state} {zip_code}")
    for template in _MILITARY:
        for _ in range(4):
            out.append(template.format(a=rng.randrange(100, 9999), b=rng.randrange(1, 9999),
                                       c=rng.randrange(1000)))
    for template in _INTL:
        for _ in range(3):
            out.append(template.format(n=rng.randrange(1, 200)))
    return out


def _grouped(value: str, rng: random.Random) -> str:
    style = rng.choice(["", " ", "-"])
    if not style:
        return value
    return style.join(value[i:i + 4] for i in range(0, len(value), 4))


def synthetic_pii(rng: random.Random) -> list[Labelled]:
    """A labelled, synthetic personal-information set (see the module docstring)."""
    rows: list[Labelled] = []
    for template in _PHONES:
        for _ in range(8):
            number = template.format(rng.randrange(100))
            rows.append(Labelled(rng.choice(_CONTEXTS).format(number), "pii-phone", 0))
    for card in _CARDS:
        for _ in range(6):
            rows.append(Labelled(rng.choice(_CONTEXTS).format(_grouped(card, rng)), "pii-card", 0))
    for iban in _IBANS:
        for _ in range(6):
            shown = iban if rng.random() < .5 else " ".join(iban[i:i + 4]
                                                            for i in range(0, len(iban), 4))
            rows.append(Labelled(rng.choice(_CONTEXTS).format(shown), "pii-iban", 0))
    for _ in range(60):
        area = rng.choice([a for a in range(1, 900) if a != 666])
        ssn = f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"
        rows.append(Labelled(rng.choice(_CONTEXTS).format(ssn), "pii-ssn", 0))
    for address in _addresses(rng):
        rows.append(Labelled(rng.choice(_ADDRESS_CONTEXTS).format(address), "pii-address", 0))
    rows += [Labelled(text, "ok", 0) for text in _NEGATIVES]
    return [Labelled(r.text, r.label, i + 1) for i, r in enumerate(rows)]


# -- public datasets (read from a path; never shipped) ---------------------------------------

def _describe(name: str, paths: Sequence[Path]) -> None:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.read_bytes())
    print(f"dataset {name}: {len(paths)} file(s), sha256 {digest.hexdigest()}")


def _pinned_paths(key: str, given: Path, verified: bool) -> list[Path]:
    """The files of dataset ``key`` at ``given`` (a file, or the IRC folder), each checked
    against its pinned digest unless the run says ``--unverified``."""
    pins = datasets.DATASETS[key].files
    if given.is_dir():
        paths = [given / pin.name for pin in pins] if verified \
            else sorted(given.glob("*.raw.txt"))
    else:
        paths = [given]
    if verified:
        for path, pin in zip(paths, pins, strict=False):
            datasets.verify(path, pin.sha256)
    else:
        print(f"  (unverified copy of {key}: figures may differ from the published ones)")
    return paths


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def davidson(path: Path) -> list[tuple[str, int]]:
    """(tweet, class) with class 0 hate speech, 1 offensive, 2 neither."""
    reader = csv.DictReader(io.StringIO(_text(path), newline=""))
    return [(row["tweet"], int(row["class"])) for row in reader]


def sms(path: Path) -> list[tuple[str, bool]]:
    """(message, is_spam) from spam.csv (label first, text second)."""
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    next(reader)
    return [(row[1], row[0].strip().lower() == "spam") for row in reader if len(row) >= 2]


_IRC_LINE = re.compile(r"^\[\d\d:\d\d\] <[^>]+> (.+)$")


def irc(folder: Path | Sequence[Path]) -> tuple[list[Path], list[str]]:
    """(files, chat lines) of a folder of logs, one log or a list of logs."""
    files, lines = irc_lines(folder)
    return files, [line.text for line in lines]


class IrcLine(NamedTuple):
    file: str
    number: int  # in the file, from 1
    text: str


def irc_lines(folder: Path | Sequence[Path]) -> tuple[list[Path], list[IrcLine]]:
    """(files, chat lines with where each was read) of a folder, one log or a list."""
    if isinstance(folder, Path):
        files = sorted(folder.glob("*.raw.txt")) if folder.is_dir() else [folder]
    else:
        files = sorted(folder)
    lines = []
    for path in files:
        for number, line in enumerate(_text(path).splitlines(), 1):
            match = _IRC_LINE.match(line)
            if match:
                lines.append(IrcLine(path.name, number, match.group(1)))
    return files, lines


ADJUDICATED = Path(__file__).resolve().parent / "data" / "irc-adjudicated.csv"


def adjudicated(path: Path = ADJUDICATED) -> dict[tuple[str, int], tuple[str, str]]:
    """(file, line) -> (sha256 prefix of its text, category) of the lines judged to break
    the Code (see the file's header): the IRC logs are real chat, and real chat has the odd
    troll in it, whose lines are not benign however the corpus is described."""
    rows = csv.reader(line for line in _text(path).splitlines() if not line.startswith("#"))
    next(rows)
    return {(row[0], int(row[1])): (row[2], row[3]) for row in rows}


def _violations(lines: Sequence[IrcLine], judged: dict[tuple[str, int], tuple[str, str]]
                ) -> list[bool]:
    """Which lines were adjudicated violations; refuses a list that names other text."""
    out = []
    for line in lines:
        verdict = judged.get((line.file, line.number))
        if verdict is not None and \
                hashlib.sha256(line.text.encode()).hexdigest()[:16] != verdict[0]:
            raise datasets.DatasetError(f"{ADJUDICATED.name} names {line.file}:{line.number}"
                                        " but the text there is different")
        out.append(verdict is not None)
    return out


# -- measuring -------------------------------------------------------------------------------

def _messages(texts: Iterable[str], promotion: bool | None = None
              ) -> Iterator[ScannedMessage]:
    """Each text as a message of its own author, an hour apart (no repetition rule fires)."""
    for index, text in enumerate(texts):
        yield ScannedMessage(text=text, author_id=f"q{index}", channel_id="quality:0:0",
                             timestamp=_START + timedelta(hours=index),
                             restricts_promotion=promotion)


def _scan(automod: Automod, texts: Iterable[str], *, promotion: bool | None = None
          ) -> list[tuple[set[str], bool]]:
    out = []
    for message in _messages(texts, promotion):
        found = automod.scan(message)
        removed = any(d.action is not Action.ALERT_STAFF for d in found)
        out.append(({d.rule_id for d in found}, removed))
    return out


def _score(truth: Sequence[bool], predicted: Sequence[bool]) -> Score:
    score = Score()
    for actual, guess in zip(truth, predicted, strict=True):
        score.tp += actual and guess
        score.fp += guess and not actual
        score.fn += actual and not guess
    return score


def _line(name: str, score: Score, extra: str = "") -> None:
    def f(v: float | None) -> str:
        return "  -  " if v is None else f"{v:.3f}"
    print(f"  {name:<34} P {f(score.precision)}  R {f(score.recall)}  F1 {f(score.f1)}"
          f"  (n={score.tp + score.fn}){extra}")


def run_davidson(automod: Automod, path: Path) -> None:
    _describe("davidson-2017 (hate/offensive/neither tweets)", [path])
    rows = davidson(path)
    found = _scan(automod, (text for text, _ in rows))
    abusive = [cls in (0, 1) for _, cls in rows]
    _line("abusive language (hate+offensive)", _score(abusive, [bool(f & ABUSE)
                                                               for f, _ in found]))
    hate_rows = [(f, r) for (f, r), (_, cls) in zip(found, rows, strict=True) if cls == 0]
    share = len(hate_rows)
    print(f"  hate class recall: any abuse rule "
          f"{sum(bool(f & ABUSE) for f, _ in hate_rows) / share:.3f}, hate rules "
          f"{sum(bool(f & HATE) for f, _ in hate_rows) / share:.3f}, removed "
          f"{sum(r for _, r in hate_rows) / share:.3f}")
    neither = [(f, r) for (f, r), (_, cls) in zip(found, rows, strict=True) if cls == 2]
    print(f"  'neither' tweets flagged {sum(bool(f) for f, _ in neither) / len(neither):.2%}, "
          f"removed {sum(r for _, r in neither) / len(neither):.2%}")


def run_sms(automod: Automod, path: Path) -> None:
    _describe("sms-spam-collection (UCI)", [path])
    rows = sms(path)
    found = _scan(automod, (text for text, _ in rows), promotion=True)
    spam_rules = frozenset(CATEGORIES["spam"])
    guesses = [bool(f & spam_rules) for f, _ in found]
    truth = [s for _, s in rows]
    _line("spam, promotion-restricted channel", _score(truth, guesses))
    # Spam signals were written after reading misses of the even rows only (the tuning
    # half); the odd rows were not read, so their figure is the one to quote.
    for name, parity in (("  tuning half (even rows)", 0), ("  held-out half (odd rows)", 1)):
        _line(name, _score(truth[parity::2], guesses[parity::2]))


def run_irc(automod: Automod, files: Sequence[Path], limit: int) -> None:
    files = sorted(files)
    _describe("ubuntu-irc (Kummerfeld et al. 2019, train)", files)
    judged = adjudicated()
    # Allow-list, e-mail and context changes were made after reading flags in the
    # even-numbered files (sorted by name) only: the odd-numbered ones are the held-out half.
    halves = {"tuning half (even files)": files[0::2], "held-out half (odd files)": files[1::2]}
    for name, group in halves.items():
        lines = irc_lines(group)[1][:limit // 2]
        found = [automod.scan(message) for message in _messages(line.text for line in lines)]
        removed = [any(d.action is not Action.ALERT_STAFF for d in f) for f in found]
        print(f"  benign chat, {name}: {len(lines)} lines, flagged "
              f"{sum(bool(f) for f in found) / len(lines):.3%}, auto-removed "
              f"{sum(removed) / len(lines):.3%}")
        # Per rule: the lines it flagged, and the lines where it is what removes them.
        for what, rows in (("flagged", [f for f in found if f]),
                           ("removed", [[d for d in f if d.action is not Action.ALERT_STAFF]
                                        for f in found])):
            counts = Counter(rule for f in rows for rule in {d.rule_id for d in f})
            print(f"    {what} by rule: " + ", ".join(f"{r} {n}" for r, n in counts.most_common()))
        bad = _violations(lines, judged)
        benign = [(bool(f), r) for f, r, b in zip(found, removed, bad, strict=True) if not b]
        caught = [(bool(f), r) for f, r, b in zip(found, removed, bad, strict=True) if b]
        print(f"    without the {len(caught)} lines adjudicated as breaking the Code "
              f"({ADJUDICATED.name}; flagged {sum(f for f, _ in caught)}, removed "
              f"{sum(r for _, r in caught)} of them): {len(benign)} benign lines, flagged "
              f"{sum(f for f, _ in benign) / len(benign):.3%}, auto-removed "
              f"{sum(r for _, r in benign) / len(benign):.3%}")


def show_tuning_flags(automod: Automod, files: Sequence[Path]) -> None:
    """Every flagged line of the IRC tuning half (all its lines), to read and classify.

    The held-out half is never printed: reading it would make its figure a tuned one.
    """
    lines = irc(sorted(files)[0::2])[1]
    for text, message in zip(lines, _messages(lines), strict=True):
        found = automod.scan(message)
        if found:
            removed = any(d.action is not Action.ALERT_STAFF for d in found)
            rules = " | ".join(f"{d.rule_id}: {d.detail}" for d in found)
            print(f"{'REMOVE' if removed else 'alert '} {rules} :: {text}")


def _inputs(args: argparse.Namespace) -> dict[str, list[Path]]:
    """The verified files of every dataset asked for (refused on a digest mismatch)."""
    out: dict[str, list[Path]] = {}
    for key in ("davidson", "sms", "irc"):
        given: Path | None = getattr(args, key)
        if given is not None:
            out[key] = _pinned_paths(key, given, not args.unverified)
        elif args.public:
            out[key] = datasets.obtain(key, args.data_dir)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public", action="store_true",
                        help="every public dataset, from the verified cache (fetched once)")
    parser.add_argument("--data-dir", type=Path, help="dataset cache (see fetch_datasets)")
    parser.add_argument("--davidson", type=Path, help="labeled_data.csv of Davidson et al.")
    parser.add_argument("--sms", type=Path, help="spam.csv of the UCI SMS Spam Collection")
    parser.add_argument("--irc", type=Path, help="folder of Ubuntu IRC *.raw.txt logs")
    parser.add_argument("--irc-limit", type=int, default=100_000)
    parser.add_argument("--unverified", action="store_true",
                        help="measure copies that are not the pinned files (said in output)")
    parser.add_argument("--show-flags", action="store_true",
                        help="print every flag on the IRC tuning half, then stop")
    args = parser.parse_args(argv)
    try:
        inputs = _inputs(args)
    except datasets.DatasetError as exc:
        print(f"refused: {exc}")
        return 2
    automod = Automod(load_automod({}))
    if args.show_flags:
        if "irc" not in inputs:
            parser.error("--show-flags needs --irc DIR or --public")
        show_tuning_flags(automod, inputs["irc"])
        return 0
    print("configuration: the shipped defaults (empty [automod])")
    rows = synthetic_pii(random.Random(SEED))
    print(f"dataset synthetic-pii (built here, seed {SEED}): {len(rows)} messages")
    report = evaluate(automod, rows)
    for label, score in sorted(report.labels.items()):
        _line(label, score)
    print(f"  look-alikes flagged: {report.ok_flagged} of {report.ok_rows}")
    if "davidson" in inputs:
        run_davidson(automod, inputs["davidson"][0])
    if "sms" in inputs:
        run_sms(automod, inputs["sms"][0])
    if "irc" in inputs:
        run_irc(automod, inputs["irc"], args.irc_limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
