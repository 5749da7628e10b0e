"""Postal addresses: US streets and city lines, US military mail, and the common European
and Canadian forms.

The patterns (on the folded text, in the RE2 set with everything else) find candidates;
the checks below look at the words as the person wrote them, because what tells an
address from prose is mostly capitalisation: "742 Evergreen Terrace" and "Hauptstraße 5"
are written with capitals, "3 books on the way" is not. Formats follow the postal
services' own descriptions: USPS Publication 28 (street suffixes, "City, ST 12345-6789",
military "PSC 1234, Box 5678, APO AE 09012"), Royal Mail's and Canada Post's postcode
formats, and the street-name-then-number order of Germany, the Netherlands, Scandinavia,
Italy and Spain (and number-then-"rue" in France).
"""

from __future__ import annotations

from bot.core.automod.normalize import Normalized, original_span

_STREET_SUFFIX = (r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|"
                  r"ct|way|place|pl|terrace|ter|circle|cir|parkway|pkwy|highway|hwy|square|sq)")
# "742 Evergreen Terrace", "1600 Pennsylvania Ave NW" (US, UK, Australia, Canada...).
STREET = (r"\b\d{1,6}[a-z]?\s+(?:(?:[nsew]\.?|north|south|east|west)\s+)?"
          r"(?:[a-z][a-z'-]*\s+){1,3}" + _STREET_SUFFIX + r"\b\.?")
PO_BOX = r"\bp\.?\s?o\.?\s*box\s*\d{1,6}\b"
# US military and diplomatic mail: "APO AE 09012", "FPO AP 96620-2820", "DPO AA 34022",
# with or without "PSC 1234, Box 5678" or "Unit 2050 Box 4190" before it.
MILITARY = (r"\b(?:(?:psc|unit|cmr)\s+\d{1,5},?\s+box\s+\d{1,5},?\s+)?(?:apo|fpo|dpo)\s+"
            r"(?:aa|ae|ap)\s+\d{5}(?:-\d{4})?\b")
_STATES = (r"(?:al|ak|az|ar|ca|co|ct|de|dc|fl|ga|hi|id|il|in|ia|ks|ky|la|me|md|ma|mi|mn|ms|"
           r"mo|mt|ne|nv|nh|nj|nm|ny|nc|nd|oh|ok|or|pa|ri|sc|sd|tn|tx|ut|vt|va|wa|wv|wi|wy|"
           r"pr|gu|vi|as|mp)")
# The last line of a US address: "Springfield, IL 62704", "Austin, TX 78701-1234".
CITY_LINE = r"\b[a-z][a-z.'-]*(?:\s+[a-z][a-z.'-]*){0,2},\s*" + _STATES + \
    r"\s+\d{5}(?:-\d{4})?\b"
# Street name, then number: "Hauptstraße 5", "Kerkstraat 12a", "Drottninggatan 71".
_AFTER_SUFFIX = (r"(?:strasse|str\.|weg|gasse|platz|allee|damm|ufer|straat|laan|gracht|"
                 r"plein|vej|gade|gatan|gata|veien|vagen)")
NAME_THEN_NUMBER = (r"\b(?:[a-z]+" + _AFTER_SUFFIX + r"|(?:via|viale|piazza|corso|calle|"
                    r"avenida|paseo|rua|carrer|plaza)\s+(?:[a-z'-]+\s+){0,3}[a-z'-]+,?)"
                    r"\s+\d{1,4}[a-z]?\b")
# Number, then a French (or Belgian, Swiss, Quebec) street word: "55 rue du Faubourg".
NUMBER_THEN_RUE = (r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|boulevard|bd|chemin|impasse|quai|"
                   r"allee|avenue|place|route)\s+(?:(?:de|du|des|la|le|les|d'|l')\s*){0,2}"
                   r"[a-z][a-z'-]+")
# UK and Canadian postcodes, written in capitals: "SW1A 2AA", "K1M 1M4".
POSTCODE = (r"\b(?:[a-z]{1,2}\d[a-z\d]?\s\d[a-z]{2}|[abceghjklmnprstvxy]\d[a-z]\s?\d[a-z]\d)"
            r"\b")

_DIRECTIONS = frozenset({"n", "s", "e", "w", "north", "south", "east", "west"})
_PARTICLES = frozenset({"de", "du", "des", "la", "le", "les", "del", "della", "di", "da",
                        "do", "dos", "das", "d'", "l'"})


def _written(start: int, end: int, message: Normalized) -> str:
    first, last = original_span(message.original, start, end)
    return message.original[first:last]


def _named(words: list[str]) -> bool:
    """Every word that names the street is capitalised (particles and directions aside)."""
    names = [w for w in words if w.rstrip(".,").lower() not in _DIRECTIONS
             and w.lower() not in _PARTICLES and not w[:1].isdigit()]
    return bool(names) and all(w[:1].isupper() for w in names)


def check_street(start: int, end: int, message: Normalized) -> str | None:
    """Street names are written with capitals; prose ("3 books on the way") is not. The
    suffix is capitalised too ("Evergreen Terrace"), or an acronym reads as a street
    ("Dell Inspiron 530 SATA drive")."""
    words = _written(start, end, message).split()
    if len(words) < 3 or not words[-1][:1].isupper():
        return None
    return "street address" if _named(words[1:-1]) else None


def check_city_line(start: int, end: int, message: Normalized) -> str | None:
    """"Springfield, IL 62704": a capitalised city and the state code in capitals."""
    city, _, rest = _written(start, end, message).rpartition(",")
    state = rest.split()[0] if rest.split() else ""
    # The pattern may start a word or two early ("to Springfield"): the city is the
    # capitalised words just before the comma.
    words = city.split()
    if state.isupper() and words and words[-1][:1].isupper():
        return "street address"
    return None


def check_named_street(start: int, end: int, message: Normalized) -> str | None:
    """"Hauptstraße 5", "Via Roma 1", "12 rue de la Paix": the name is capitalised (a
    French street word itself may be in lower case, as the French write it)."""
    words = [w for w in _written(start, end, message).replace(",", " ").split()
             if not w[:1].isdigit() and w.lower() not in {"bis", "ter"}]
    if words and words[0].lower() in {"rue", "boulevard", "bd", "chemin", "impasse", "quai",
                                      "allee", "allée", "avenue", "place", "route"}:
        words = words[1:]
    return "street address" if _named(words) else None


def check_postcode(start: int, end: int, message: Normalized) -> str | None:
    """A postcode counts when written as the post office prints it: in capitals, and
    after a comma or a capitalised place name ("London SW1A 2AA", ", K1M 1M4")."""
    code = _written(start, end, message)
    if not code.isupper():
        return None
    first, _ = original_span(message.original, start, end)
    before = message.original[max(0, first - 30):first].rstrip()
    previous = before.split()[-1] if before.split() else ""
    if before.endswith(",") or (previous[:1].isupper() and previous.isalpha()):
        return "postcode"
    return None
