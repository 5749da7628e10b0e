"""``coc-bot``: run the bot, check the configuration, migrate the database, scan history,
measure automod on labelled messages.

Errors a person can fix (missing token, bad config) print one short message and exit 2;
tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.errors import CocBotError, ConfigError, DatabaseLost, StorageError
from bot.log_setup import configure_logging
from bot.records import commands as records
from bot.scan import ExportError, scan_exports
from bot.setup_check import roster_line
from config.holidays import Holidays
from config.loader import CONFIG_ENV, DEFAULT_CONFIG_NAME, find_config, load_settings
from config.settings import Settings

if TYPE_CHECKING:
    from bot.frontends import Tool

README_HINT = "See README.md, section \"Configuration\"."
EXIT_DATABASE_LOST = 3
"""The database file vanished under the running bot. The README's systemd unit lists it
in ``RestartPreventExitStatus=``: restarting would start an empty case log."""
log = logging.getLogger("coc-bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coc-bot", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="path to the TOML config (default: $COC_BOT_CONFIG "
                                         "or ./coc-bot.toml)")
    parser.add_argument("--log-level", default=os.environ.get("COC_BOT_LOG_LEVEL", "INFO"))
    parser.add_argument("--log-format", default=os.environ.get("COC_BOT_LOG_FORMAT", "text"),
                        help="text (default) or json: one JSON object a line, with the "
                             "report/case reference as a field")
    commands = parser.add_subparsers(dest="command", required=True)
    parsers = {}
    for name, text in (("run", "start every front-end whose tokens are set"),
                       ("check-config", "validate the configuration and print a summary"),
                       ("migrate", "apply database migrations and exit"),
                       ("backup", "copy the database to a new file, safely while the bot runs"),
                       ("keygen", "print a new seal key for COC_BOT_SEAL_KEYS"),
                       ("reseal", "re-encrypt sealed reporter identities with the first key "
                                  "in COC_BOT_SEAL_KEYS (after adding a new key)")):
        parsers[name] = commands.add_parser(name, help=text)
        # --config works before or after the command, as people type it both ways.
        parsers[name].add_argument("--config", default=argparse.SUPPRESS,
                                   help="path to the TOML config")
    parsers["backup"].add_argument("file", metavar="FILE",
                                   help="the new file to write (never overwritten)")
    records.add_parsers(commands)
    scan = commands.add_parser(
        "scan", help="show what automod would have flagged in exported chat history",
        description="Run the configured automod rules over exported history "
                    "(DiscordChatExporter JSON files, Slack's export .zip or folder) and "
                    "print what would have been flagged. Nothing is sent or removed.")
    scan.add_argument("files", nargs="+", metavar="FILE",
                      help="a DiscordChatExporter .json file, or a Slack export .zip/folder")
    scan.add_argument("--config", default=argparse.SUPPRESS,
                      help="the TOML config whose rules to run (default: $COC_BOT_CONFIG, "
                           "./coc-bot.toml, else the built-in defaults)")
    scan.add_argument("--format", choices=("text", "json"), default="text")
    from bot.frontends import tools

    for tool in tools():  # commands a front-end adds (Slack: slack-manifest)
        extra = commands.add_parser(tool.name, help=tool.help)
        extra.add_argument("--config", default=argparse.SUPPRESS,
                           help="path to the TOML config, if any")
        tool.load().add_arguments(extra)
    scan.add_argument("--examples", type=_count, default=3, metavar="N",
                      help="examples to show per rule (default 3)")
    scan.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                      help="draw a progress bar on stderr (default: only when stderr is a "
                           "terminal)")
    evaluate = commands.add_parser(
        "eval", help="measure automod's rules on labelled messages (precision, recall, F1)",
        description="Run the configured automod rules over labelled messages and print "
                    "precision, recall and F1 per label and per rule. FILE is a CSV with "
                    "the columns text,label or JSON Lines {\"text\": ..., \"label\": ...}; "
                    "a label is a rule id, a category (hate, profanity, sexual, harassment, "
                    "abuse, pii, spam), a clause id, or ok.")
    evaluate.add_argument("file", metavar="FILE", help="a labelled .csv or .jsonl file")
    evaluate.add_argument("--config", default=argparse.SUPPRESS,
                          help="the TOML config whose rules to measure (default: "
                               "$COC_BOT_CONFIG, ./coc-bot.toml, else the built-in defaults)")
    evaluate.add_argument("--channel", default="eval:0:0",
                          help="the place key whose profile applies (e.g. discord:GUILD:CHANNEL)")
    evaluate.add_argument("--promotion-restricted", action="store_true",
                          help="measure as in a channel that restricts promotion")
    return parser


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 or more, not {value!r}")
    return number


def _load(args: argparse.Namespace) -> Settings:
    return load_settings(find_config(args.config, os.environ))


def _summary(settings: Settings) -> str:
    """What check-config prints: every value but the secrets, which are only "set"."""
    from storage.url import describe_database_url

    policy = settings.policy
    lines = [
        f"Organization: {settings.organization}",
        f"Committee: {policy.committee_seats} seats, quorum {policy.quorum}, "
        f"{policy.term_years}-year terms; appeals within {policy.appeal_window.days} days",
        f"Escalation: {policy.escalation_incidents} incidents in "
        f"{policy.escalation_window.days} days",
        f"Business days: {settings.calendar.timezone}, due by "
        f"{settings.calendar.end_of_day:%H:%M}, {_holidays(settings)}",
        f"Code of Conduct: {len(settings.code.clauses)} clauses "
        f"(digest {settings.code.digest()[:12]})",
        f"Database: {describe_database_url(settings.secrets.database_url)}",
        *_front_end_lines(settings),
        _automod_line(settings),
        settings.ops.describe(),
        settings.email.describe() if settings.email else
        "E-mail: off (add [email] to e-mail notices to people whose DMs are closed)",
    ]
    return "\n".join(lines)


def _automod_line(settings: Settings) -> str:
    config = settings.automod
    if not config.enabled:
        return "Automod: off"
    enabled = [rule for rule, found in config.rules.items() if found.enabled]
    from bot.ml.toxicity import model_status

    return (f"Automod: on, {len(enabled)} of {len(config.rules)} rules enabled, "
            f"{sum(len(k.words) for k in config.keyword_lists)} keywords, "
            f"{len(config.patterns)} patterns, {len(config.profiles)} place profiles"
            f"{model_status(config)}")


def _require_database(settings: Settings) -> None:
    """Refuse to back up a database that is not there: opening it would create it empty."""
    from storage.url import PostgresTarget, parse_database_url

    target = parse_database_url(settings.secrets.database_url)
    if isinstance(target, PostgresTarget):
        raise ConfigError("coc-bot backup copies a SQLite database file. On PostgreSQL use "
                          "its own tools: pg_dump --format=custom (see the README, "
                          "\"Running on PostgreSQL\").")
    if not target.in_memory and not os.path.isfile(os.path.expanduser(target.path)):
        raise StorageError(f"There is no database to back up: {target.describe()} does not "
                           "exist. Check DATABASE_URL.")


async def _backup(settings: Settings, destination: str) -> None:
    from storage import SqliteStorage, open_storage

    storage = await open_storage(settings.secrets.database_url)
    try:
        if not isinstance(storage, SqliteStorage) or storage.target.in_memory:
            raise ConfigError("coc-bot backup copies a SQLite database file; DATABASE_URL "
                              "names none.")
        await storage.backup(destination)
    finally:
        await storage.close()


async def _reseal(settings: Settings) -> int:
    """Rotation: the new key first in COC_BOT_SEAL_KEYS, the old one after it, then this;
    afterwards the old key can be removed."""
    from bot.core.clock import SystemClock
    from bot.sealing import reseal, setup_sealing
    from storage import open_storage

    storage = await open_storage(settings.secrets.database_url)
    try:
        await storage.migrate()
        sealer = await setup_sealing(storage, settings.secrets.seal_keys,
                                     settings.secrets.database_url, SystemClock())
        return await reseal(storage, sealer)
    finally:
        await storage.close()


async def _migrate(settings: Settings) -> list[int]:
    from storage import open_storage

    storage = await open_storage(settings.secrets.database_url)
    try:
        return await storage.migrate()
    finally:
        await storage.close()


def _run(settings: Settings) -> int:
    from bot.app import run
    from bot.frontends import missing_setup

    missing = missing_setup(settings)
    if missing:
        print("coc-bot: no platform token is set. Set " + " or ".join(missing)
              + f" in the environment. {README_HINT}", file=sys.stderr)
        return 2
    asyncio.run(run(settings))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        configure_logging(args.log_level, args.log_format)
    except ValueError as exc:
        print(f"coc-bot: {exc}.", file=sys.stderr)
        return 2
    try:
        if args.command == "run" and not _tokens_in_env():
            return _explain_missing_setup(args)
        if args.command == "scan":
            return _scan(args)
        if args.command == "eval":
            return _eval(args)
        tool = _tool(args.command)
        if tool is not None:
            run: int = tool.load().run(args, lambda: _load_if_any(args))
            return run
        if args.command == "keygen":
            from bot.sealing import generate_key

            print(generate_key())
            return 0
        settings = _load(args)
        if args.command == "check-config":
            # The very check `run` makes when it opens the database, so whatever
            # check-config accepts, run accepts (and refuses with the same words).
            from storage.url import parse_database_url

            parse_database_url(settings.secrets.database_url)
            print(_summary(settings))
            print(roster_line(settings, datetime.now(UTC).date()))
            return 0
        if args.command == "migrate":
            applied = asyncio.run(_migrate(settings))
            print(f"applied migrations: {applied or 'none (up to date)'}")
            return 0
        if args.command == "backup":
            _require_database(settings)
            asyncio.run(_backup(settings, args.file))
            print(f"backed up the database to {args.file}")
            return 0
        if args.command in records.COMMANDS:
            sys.stdout.write(records.run(args, settings))
            return 0
        if args.command == "reseal":
            count = asyncio.run(_reseal(settings))
            print(f"resealed {count} sealed identit{'y' if count == 1 else 'ies'} with the "
                  "first key in COC_BOT_SEAL_KEYS; the other keys can now be removed")
            return 0
        return _run(settings)
    except ExportError as exc:
        print(f"coc-bot scan: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"coc-bot: {exc} {README_HINT}", file=sys.stderr)
        return 2
    except DatabaseLost as exc:
        print(f"coc-bot: {exc.operator_message}", file=sys.stderr)
        return EXIT_DATABASE_LOST
    except CocBotError as exc:
        print(f"coc-bot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _tool(name: str) -> Tool | None:
    from bot.frontends import tools

    return next((tool for tool in tools() if tool.name == name), None)


def _load_if_any(args: argparse.Namespace) -> Settings | None:
    """The configuration when one is named or in the working directory, else None."""
    explicit = getattr(args, "config", None) or os.environ.get(CONFIG_ENV)
    if explicit or Path(DEFAULT_CONFIG_NAME).is_file():
        return _load(args)
    return None


def _scan(args: argparse.Namespace) -> int:
    """Automod over exported history, with the real config when there is one. Parts of an
    export that could not be read are named on stderr (the report covers the rest) and
    the exit status is then 2; replaced non-UTF-8 bytes are a warning only."""
    settings = _load_if_any(args) or load_settings(None)
    show_bar = sys.stderr.isatty() if args.progress is None else args.progress
    report = scan_exports([Path(f) for f in args.files], settings,
                          examples_per_rule=args.examples,
                          progress=sys.stderr if show_bar else None)
    for problem in report.problems:
        kind = "" if problem.lost else "warning: "
        print(f"coc-bot scan: {kind}{problem.describe()}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        print(report.render())
    return 0 if report.complete else 2


def _eval(args: argparse.Namespace) -> int:
    """Precision, recall and F1 of the configured rules on a labelled file."""
    from bot.automod_factory import build_automod
    from bot.core.automod.evaluate import evaluate, read_labelled
    from bot.core.errors import InvalidInput

    settings = _load_if_any(args) or load_settings(None)
    try:
        rows = read_labelled(Path(args.file))
        report = evaluate(build_automod(settings), rows,
                          channel=args.channel,
                          restricts_promotion=True if args.promotion_restricted else None)
    except InvalidInput as exc:
        print(f"coc-bot eval: {exc}", file=sys.stderr)
        return 2
    print(report.render())
    return 0


def _tokens_in_env() -> bool:
    from bot.frontends import FRONT_ENDS

    return any(os.environ.get(front.starts_with) for front in FRONT_ENDS)


def _explain_missing_setup(args: argparse.Namespace) -> int:
    """No token at all: say everything that is needed, config file included."""
    config_note = ""
    try:
        find_config(args.config, os.environ)
    except ConfigError:
        config_note = (" and a config file (copy config/example.toml to ./coc-bot.toml, or "
                       "set COC_BOT_CONFIG)")
    from bot.frontends import FRONT_ENDS

    needs = " and/or ".join(f"{front.needs} ({front.label})" for front in FRONT_ENDS)
    print(f"coc-bot: no platform token is set. Set {needs} in the "
          f"environment{config_note}. {README_HINT}", file=sys.stderr)
    return 2


def _front_end_lines(settings: Settings) -> list[str]:
    from bot.frontends import FRONT_ENDS

    lines = []
    for front in FRONT_ENDS:
        configured = 'configured' if front.config(settings) is not None else 'not configured'
        token = ', token set' if front.wanted(settings.secrets) else f', no {front.starts_with}'
        lines += [f"{front.label}: {configured}{token}", *front.check_lines(settings)]
    return lines


def _holidays(settings: Settings) -> str:
    days = settings.calendar.holidays
    return days.describe() if isinstance(days, Holidays) else "holidays as given"


if __name__ == "__main__":
    sys.exit(main())
