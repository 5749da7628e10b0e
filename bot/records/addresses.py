"""``coc-bot addresses import|list|remove``: the operator's e-mail address book.

The CSV has two columns, the account and the address (a header line ``account,address`` is
allowed). An account is written ``platform:space:id`` (``discord:<guild>:<user>``) or, for
the space this bot is configured for, ``platform:id``. Every address is checked
(``email-validator``: syntax, and a domain that can receive mail unless ``--no-dns``); a
file with any bad line changes nothing, and every bad line is named with its number.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email

from bot.core.errors import InvalidInput
from bot.core.identity import PersonRef, PlatformName
from bot.core.services import AddressEntry

MAX_ERRORS_SHOWN = 20


def add_parser(commands: Any) -> None:
    book = commands.add_parser("addresses", help="the e-mail address book (notices to people "
                                                 "whose DMs are closed)")
    book.add_argument("--config", default=argparse.SUPPRESS, help="path to the TOML config")
    what = book.add_subparsers(dest="what", required=True)
    load = what.add_parser("import", help="add or replace addresses from a CSV file "
                                          "(account,address)")
    load.add_argument("file", metavar="FILE.csv")
    load.add_argument("--no-dns", action="store_true",
                      help="check the addresses' syntax only, not that their domain "
                           "receives mail")
    what.add_parser("list", help="print every stored address (personal data: handle with care)")
    remove = what.add_parser("remove", help="remove one account's address")
    remove.add_argument("ref", metavar="ACCOUNT", help="platform:space:id or platform:id")
    for sub in (load, remove):
        sub.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def parse_csv(text: str, spaces: Mapping[PlatformName, str], *,
              check_dns: bool = True) -> list[AddressEntry]:
    """The entries of an address CSV; InvalidInput naming every bad line if any is bad."""
    entries: dict[str, AddressEntry] = {}
    errors: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or (number == 1 and [c.lower() for c in cells] ==
                              ["account", "address"]):
            continue
        try:
            entry = _entry(cells, spaces, check_dns)
        except InvalidInput as exc:
            errors.append(f"line {number}: {exc}")
            continue
        if entry.person.key in entries:
            errors.append(f"line {number}: {entry.person.key} is given twice.")
        entries[entry.person.key] = entry
    if errors:
        more = len(errors) - MAX_ERRORS_SHOWN
        shown = errors[:MAX_ERRORS_SHOWN] + ([f"... and {more} more"] if more > 0 else [])
        raise InvalidInput("The address file was not imported (nothing changed):\n  "
                           + "\n  ".join(shown))
    if not entries:
        raise InvalidInput("The address file has no addresses (expected lines "
                           "account,address).")
    return list(entries.values())


def _entry(cells: list[str], spaces: Mapping[PlatformName, str],
           check_dns: bool) -> AddressEntry:
    if len(cells) != 2 or not all(cells):
        raise InvalidInput("expected two columns, account,address.")
    person = parse_account(cells[0], spaces)
    try:
        valid = validate_email(cells[1], check_deliverability=check_dns)
    except EmailNotValidError as exc:
        raise InvalidInput(f"'{cells[1]}' is not a usable e-mail address ({exc}).") from None
    return AddressEntry(person, valid.normalized)


def parse_account(text: str, spaces: Mapping[PlatformName, str]) -> PersonRef:
    """``platform:space:id``, or ``platform:id`` in the configured space of that platform."""
    parts = text.split(":")
    try:
        platform = PlatformName(parts[0])
    except ValueError:
        names = ", ".join(p.value for p in PlatformName)
        raise InvalidInput(f"'{text}' does not start with a platform ({names}).") from None
    if len(parts) == 3 and all(parts):
        return PersonRef(platform, parts[1], parts[2])
    if len(parts) == 2 and parts[1]:
        space = spaces.get(platform)
        if space is None:
            raise InvalidInput(f"'{text}' has no space and [{platform.value}] is not "
                               f"configured; write {platform.value}:SPACE:ID.")
        return PersonRef(platform, space, parts[1])
    raise InvalidInput(f"'{text}' is not an account (platform:space:id or platform:id).")


def read_file(path: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"There is no file {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}.") from None
