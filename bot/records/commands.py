"""The operator's records commands: ``export case``, ``export person``, ``erase person``,
``restore``.

They run without any front-end, on the database ``DATABASE_URL`` names, and refuse to
create one that is not there (an export of nothing would hide a wrong path). What they
write is confidential: created 0600, and an existing file is never overwritten.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from bot.core.errors import InvalidInput, StorageError
from bot.core.services import Services
from config.settings import Settings

T = TypeVar("T")
COMMANDS = frozenset({"export", "erase", "restore", "retention", "report", "addresses"})


def add_parsers(commands: Any) -> None:
    """``export case`` (argparse sub-commands under the main parser)."""
    export = commands.add_parser("export", help="take a case file out of the record")
    export.add_argument("--config", default=argparse.SUPPRESS, help="path to the TOML config")
    what = export.add_subparsers(dest="what", required=True)
    case = what.add_parser("case", help="one case as a self-contained JSON or HTML file")
    case.add_argument("ref", metavar="CASE", help="the case reference, e.g. C-7KQ2M")
    case.add_argument("--format", choices=("json", "html"), default="json")
    case.add_argument("--out", metavar="FILE", help="write here (never overwritten) "
                                                    "instead of printing")
    case.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    person = what.add_parser("person", help="everything stored about a person, as JSON")
    person.add_argument("ref", metavar="PERSON",
                        help="the account, as platform:space:id (e.g. discord:<guild>:<user>)")
    person.add_argument("--out", metavar="FILE", help="write here (never overwritten)")
    person.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    retention = commands.add_parser("retention", help="purge message text and evidence "
                                                      "past the [retention] periods now")
    retention.add_argument("--dry-run", action="store_true",
                           help="only list what would be purged")
    retention.add_argument("--config", default=argparse.SUPPRESS, help="path to the TOML config")
    restore = commands.add_parser("restore", help="put a backup back as the database "
                                                  "(stop the bot first)")
    restore.add_argument("file", metavar="FILE", help="a file made by coc-bot backup")
    restore.add_argument("--force", action="store_true",
                         help="replace an existing database (it is kept, renamed)")
    restore.add_argument("--config", default=argparse.SUPPRESS, help="path to the TOML config")
    report = commands.add_parser(
        "report", help="write the year's transparency report (figures, charts, pages)",
        description="Write the yearly figures the committee can publish, as a Markdown "
                    "and an HTML page with PNG charts. Counts under [report] min_cell "
                    "(default 10) are suppressed.")
    report.add_argument("--year", type=int, required=True, help="the calendar year, e.g. 2026")
    report.add_argument("--out", metavar="DIR",
                        help="the folder to write (new or empty; default "
                             "transparency-report-YEAR)")
    report.add_argument("--format", choices=("md", "html"), action="append",
                        help="md or html (repeatable; default both)")
    report.add_argument("--config", default=argparse.SUPPRESS, help="path to the TOML config")
    erase = commands.add_parser("erase", help="erase a person's data everywhere")
    erase.add_argument("--config", default=argparse.SUPPRESS, help="path to the TOML config")
    whom = erase.add_subparsers(dest="what", required=True)
    one = whom.add_parser("person", help="pseudonymise a person and blank their words, "
                                         "keeping counts and decisions")
    one.add_argument("ref", metavar="PERSON", help="the account, as platform:space:id")
    one.add_argument("--reason", required=True,
                     help="why (a request's date and channel); it goes on the record")
    one.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    from bot.records.addresses import add_parser

    add_parser(commands)


def require_database(settings: Settings) -> None:
    from storage.url import PostgresTarget, parse_database_url

    target = parse_database_url(settings.secrets.database_url)
    if isinstance(target, PostgresTarget):
        return  # a server: connecting says whether it is there (a file would be created)
    if not target.in_memory and not os.path.isfile(os.path.expanduser(target.path)):
        raise StorageError(f"There is no database at {target.describe()}. Check "
                           "DATABASE_URL.")


async def with_services(settings: Settings, work: Callable[[Services], Awaitable[T]]) -> T:
    """Open the database (migrated, sealing set up) and run ``work`` on the services."""
    from bot.app import build_app

    app = await build_app(settings)
    try:
        return await work(app.services)
    finally:
        await app.close()


def write_private(path: str, text: str) -> None:
    """Create ``path`` 0600 with ``text``; an existing file is refused, not replaced."""
    target = Path(path).expanduser()
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInput(f"{target} already exists; choose a new file name.") from None
    except OSError as exc:
        raise InvalidInput(f"Cannot write {target}: {exc.strerror}.") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


async def export_case(services: Services, ref: str, fmt: str) -> str:
    from bot.records.case_html import render

    document = await services.case_files.export(
        ref, f"command line: coc-bot export case --format {fmt}")
    if fmt == "html":
        return render(document)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def transparency_report(args: argparse.Namespace, settings: Settings) -> str:
    """Compute the year's figures (audited) and write the folder, all or nothing."""
    import asyncio

    from bot.records.report_page import FORMATS, write_report

    folder = Path(args.out or f"transparency-report-{args.year}").expanduser()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):  # before the audit
        raise InvalidInput(f"{folder} already exists and is not an empty folder; choose a "
                           "new one so no earlier report is overwritten.")
    report = asyncio.run(with_services(settings, lambda services: services.transparency.year(
        args.year, f"command line: coc-bot report --year {args.year}")))
    written = write_report(report, settings.organization, folder, args.format or FORMATS)
    return "".join(f"wrote {path}\n" for path in written)


def address_book(args: argparse.Namespace, settings: Settings) -> str:
    """``addresses import|list|remove``: a bad file is refused whole, before any change."""
    import asyncio

    from bot import frontends
    from bot.records.addresses import parse_account, parse_csv, read_file

    how = f"command line: coc-bot addresses {args.what}"
    if args.what == "import":
        entries = parse_csv(read_file(args.file), frontends.spaces(settings),
                            check_dns=not args.no_dns)
        added, replaced = asyncio.run(with_services(
            settings, lambda services: services.addresses.put(entries, how)))
        return f"imported {added} new address(es), replaced {replaced}.\n"
    if args.what == "remove":
        ref = parse_account(args.ref, frontends.spaces(settings)).key
        asyncio.run(with_services(settings, lambda services: services.addresses.remove(
            ref, how)))
        return f"removed the address of {ref}.\n"
    stored = asyncio.run(with_services(settings, lambda services: services.addresses.entries()))
    return "".join(f"{entry.person.key},{entry.address}\n" for entry in stored) or \
        "no addresses are stored.\n"


def run(args: argparse.Namespace, settings: Settings) -> str:
    """Carry out a records command; returns what to tell the operator."""
    import asyncio

    if args.command == "restore":
        from bot.records.restore import restore

        return restore(args.file, settings.secrets.database_url, force=args.force)
    require_database(settings)
    if args.command == "retention":
        due = asyncio.run(with_services(
            settings, lambda services: services.retention.sweep(dry_run=args.dry_run)))
        verb = "would purge" if args.dry_run else "purged"
        lines = [f"{verb} {len(due)} record(s)" + (":" if due else "."),
                 *(f"  {purge.describe()}" for purge in due)]
        return "\n".join(lines) + "\n"
    if args.command == "report":
        return transparency_report(args, settings)
    if args.command == "addresses":
        return address_book(args, settings)
    if args.command == "erase":
        changed = asyncio.run(with_services(settings, lambda services: (
            services.personal_data.erase(args.ref, args.reason,
                                         "command line: coc-bot erase person"))))
        tables = ", ".join(f"{table} {count}" for table, count in sorted(changed.items()))
        return (f"erased: {tables}. Backups made before now still hold the data; delete "
                "or re-make them as your retention policy says.\n")
    if args.out and Path(args.out).expanduser().exists():  # before anything is audited
        raise InvalidInput(f"{args.out} already exists; choose a new file name.")
    if args.what == "case":
        text = asyncio.run(with_services(
            settings, lambda services: export_case(services, args.ref, args.format)))
    else:
        document = asyncio.run(with_services(settings, lambda services: (
            services.personal_data.export(args.ref, "command line: coc-bot export person"))))
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if not args.out:
        return text
    write_private(args.out, text)
    return f"wrote {args.out}\n"
    raise InvalidInput(f"Unknown records command {args.command}.")  # pragma: no cover
