"""The word lists that ship with coc-bot, and reading list files named in the config.

Shipped lists live in ``config/lists/`` (each file's header names its source, licence and
version; ``config/lists/build.py`` rebuilds them). Each category is a built-in rule, so a
profile chooses categories and actions like any rule's: slurs removed everywhere,
profanity only alerted, sexual content allowed in an adult channel.

``expletives`` holds swearing used as an exclamation or intensifier ("shit", "fuck",
"goddamn"): by default it alerts only when the word is aimed at a person (``fuck you``,
``you piece of shit``; see ``_context.aimed``), because "this driver is shit" is swearing
about a thing, not the personal insult the Code prohibits, and alerting staff on every
"oh shit" buries the alerts that matter. ``only_when_aimed = false`` alerts on every use.

``hate-review`` holds terms reclaimed within the communities they name and terms with a
common innocent sense; like political content it only ever alerts staff. Automatic removal
of reclaimed terms and dialect is exactly the bias the Code warns about.
"""

from __future__ import annotations

from pathlib import Path

from bot.core.automod._keywords import parse_wildcards
from bot.core.automod._model import Action, Severity
from bot.core.errors import ConfigError

# The repository (or installed) layout: <root>/bot/core/automod/ and <root>/config/lists/.
# Found by path, not by import: the core imports nothing from the config package.
SHIPPED_LISTS = Path(__file__).resolve().parents[3] / "config" / "lists"
ALLOW_LIST = "allow"

HATE = "hate-slurs"
HATE_REVIEW = "hate-review"
PROFANITY = "profanity"
EXPLETIVES = "expletives"
SEXUAL = "sexual"
HARASSMENT = "harassment"

# rule id: (shipped list, clause, severity, default action, label)
LIST_RULES: dict[str, tuple[str, str, Severity, Action, str]] = {
    HATE: ("hate", "no-hate", Severity.SEVERE, Action.REMOVE_AND_EXPLAIN, "slur"),
    HATE_REVIEW: ("hate-review", "no-hate", Severity.SERIOUS, Action.ALERT_STAFF,
                  "term that may be a slur"),
    PROFANITY: ("profanity", "no-hate", Severity.MINOR, Action.ALERT_STAFF, "profanity"),
    EXPLETIVES: ("expletives", "no-hate", Severity.MINOR, Action.ALERT_STAFF,
                 "swearing"),
    SEXUAL: ("sexual", "no-harassment", Severity.MINOR, Action.ALERT_STAFF, "sexual term"),
    HARASSMENT: ("harassment", "no-harassment", Severity.SERIOUS, Action.REMOVE_AND_EXPLAIN,
                 "threat or harassment"),
}

# List rules read "only when aimed at a person" unless the config says otherwise.
AIMED_BY_DEFAULT = frozenset({EXPLETIVES})


def shipped(name: str, directory: Path | None = None) -> Path:
    """The path of a shipped list by name (``hate``, ``allow``)."""
    return (directory or SHIPPED_LISTS) / f"{name}.txt"


def read_list(rule_id: str, key: str, path: Path) -> list[str]:
    """The entries of a list file: one per line, ``#`` comments and blank lines skipped.

    A missing file, one that is not UTF-8 or an entry with a misplaced ``*`` is refused
    naming the rule, the key and the line, so a moderation list never silently holds
    nothing or something other than what was meant.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"config key '{key}': automod rule '{rule_id}' reads the list "
                          f"file {str(path)!r}, which cannot be read ({exc.strerror}).") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config key '{key}': automod rule '{rule_id}': the list file "
                          f"{str(path)!r} is not UTF-8 text (byte {exc.start}); save it as "
                          "UTF-8.") from exc
    words = []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if "*" in entry:
            try:
                parse_wildcards(rule_id, entry)
            except ConfigError as exc:
                raise ConfigError(f"config key '{key}': {str(path)!r} line {number}: "
                                  f"{exc}") from exc
        words.append(entry)
    return words
