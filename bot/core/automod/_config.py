"""Reading ``[automod]`` into rules, detectors and channel profiles (see the example file).

Everything that can be wrong is refused at start-up with the key named: an unknown clause,
an action that does not exist, a suspension without a length, a regular expression RE2
cannot run, a profile naming a rule that does not exist. A moderation rule that silently
does nothing is worse than a bot that will not start.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phonenumbers import SUPPORTED_REGIONS

from bot.core.automod import _builtin as builtin
from bot.core.automod._classifier import DEFAULT_THRESHOLD, MODEL
from bot.core.automod._impersonation import IMPERSONATION, ProtectedName
from bot.core.automod._keywords import Boundary, KeywordList
from bot.core.automod._lists import (
    AIMED_BY_DEFAULT,
    ALLOW_LIST,
    HATE_REVIEW,
    LIST_RULES,
    read_list,
    shipped,
)
from bot.core.automod._model import Action, RuleSettings, Severity
from bot.core.automod._patterns import Pattern, View, compile_pattern
from bot.core.automod._reader import Reader
from bot.core.automod._repetition import (
    DUPLICATE,
    FLOOD,
    MASS_MENTION,
    REPEATED_TARGET,
    RepetitionLimits,
)
from bot.core.durations import Duration, parse_duration
from bot.core.errors import ConfigError, InvalidDuration

POLITICAL = "political"
BLOCKED_LINK = "blocked-link"

# Built-in rules: clause, severity and action unless the configuration says otherwise.
BUILTIN_RULES: dict[str, tuple[str, Severity, Action]] = {
    # Other people's contact details: removed and explained, as the Code says.
    builtin.EMAIL: ("no-private-info", Severity.MINOR, Action.REDACT),
    builtin.PHONE: ("no-private-info", Severity.MINOR, Action.REDACT),
    builtin.CARD: ("no-private-info", Severity.SERIOUS, Action.REDACT),
    builtin.ADDRESS: ("no-private-info", Severity.MINOR, Action.REDACT),
    builtin.IBAN: ("no-private-info", Severity.SERIOUS, Action.REDACT),
    builtin.SSN: ("no-private-info", Severity.SERIOUS, Action.REDACT),
    builtin.ADVERTISING: ("no-restricted-content", Severity.MINOR, Action.REMOVE_AND_EXPLAIN),
    POLITICAL: ("no-external-politics", Severity.MINOR, Action.ALERT_STAFF),
    BLOCKED_LINK: ("no-illegal-material", Severity.SERIOUS, Action.REMOVE_AND_EXPLAIN),
    DUPLICATE: ("no-unsolicited-repetition", Severity.MINOR, Action.REMOVE_AND_EXPLAIN),
    FLOOD: ("no-unsolicited-repetition", Severity.MINOR, Action.ALERT_STAFF),
    MASS_MENTION: ("no-unsolicited-repetition", Severity.MINOR, Action.REMOVE_AND_EXPLAIN),
    REPEATED_TARGET: ("no-unsolicited-repetition", Severity.SERIOUS, Action.ALERT_STAFF),
    IMPERSONATION: ("do-post-as-yourself", Severity.SERIOUS, Action.ALERT_STAFF),
    # The optional statistical model (the ``ml`` extra): a guess, so staff decide.
    MODEL: ("no-hate", Severity.SERIOUS, Action.ALERT_STAFF),
    **{rule_id: (clause, severity, action)
       for rule_id, (_, clause, severity, action, _) in LIST_RULES.items()},
}
# Never removed automatically, whatever the config says: political content (the Code cites
# IRS limits) and terms that may be reclaimed or innocent (the Code's bias concerns).
ALERT_ONLY = {POLITICAL: "political content is never removed automatically",
              HATE_REVIEW: "reclaimed and ambiguous terms go to staff review, never to "
                           "automatic removal"}
# Built-in rules an operator turns on deliberately (``enabled = true`` or a profile).
OFF_BY_DEFAULT = frozenset({MODEL})
CUSTOM_TYPES = ("keywords", "regex")
DEFAULT_RESERVED_WORDS = ("admin", "administrator", "moderator", "staff", "committee",
                          "counsel", "official")


@dataclass(frozen=True, slots=True)
class RuleOverride:
    """A profile's changes to one rule; ``None`` keeps what the rule says."""

    clause_id: str | None = None
    severity: Severity | None = None
    action: Action | None = None
    suspend_for: Duration | None = None


@dataclass(frozen=True, slots=True)
class PlaceProfile:
    """Automod settings for one space, category or channel (keyed like Code profiles)."""

    enable: frozenset[str] = frozenset()
    disable: frozenset[str] = frozenset()
    restricts_promotion: bool | None = None
    exempt_roles: frozenset[str] = frozenset()
    overrides: Mapping[str, RuleOverride] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AutomodConfig:
    """Everything the engine needs, validated."""

    enabled: bool = True
    rules: Mapping[str, RuleSettings] = field(default_factory=dict)
    keyword_lists: tuple[KeywordList, ...] = ()
    patterns: tuple[Pattern, ...] = ()
    min_scores: Mapping[str, int] = field(default_factory=dict)
    repetition: RepetitionLimits = field(default_factory=RepetitionLimits)
    protected: tuple[ProtectedName, ...] = ()
    reserved_words: tuple[str, ...] = DEFAULT_RESERVED_WORDS
    exempt_roles: frozenset[str] = frozenset()
    profiles: Mapping[str, PlaceProfile] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()  # innocent uses no keyword list flags
    aimed_only: frozenset[str] = frozenset()  # list rules that act only on words aimed at someone
    model_threshold: float = DEFAULT_THRESHOLD  # the model's score that alerts


def load_automod(data: Mapping[str, Any] | None, *, clause_ids: Collection[str] | None = None,
                 path: str = "automod", lists_dir: Path | None = None) -> AutomodConfig:
    """Read the ``[automod]`` table (as parsed from TOML) into a validated config.

    ``clause_ids`` are the Code's clause ids; when given, every rule's clause must be one.
    ``lists_dir`` holds the shipped word lists (default: ``config/lists``).
    """
    root = Reader(data or {}, path)
    loader = _Loader(clause_ids, lists_dir)
    enabled = root.flag("enabled", True)
    allowed = loader.allow_list(root)
    exempt = frozenset(root.text_list("exempt_roles"))
    max_authors = root.integer("max_tracked_authors", 10_000, minimum=100)
    rules_table = root.table("rules")
    for rule_id in rules_table.names():
        if rule_id not in BUILTIN_RULES:
            loader.custom(rule_id, rules_table.table(rule_id))
    for rule_id in BUILTIN_RULES:
        loader.builtin(rule_id, rules_table.table(rule_id))
    rules_table.finish()
    profiles_table = root.table("profiles")
    profiles = {key: loader.profile(profiles_table.table(key)) for key in profiles_table.names()}
    profiles_table.finish()
    root.finish()
    limits = loader.limits(max_authors)
    return AutomodConfig(
        enabled=enabled, rules=loader.rules, keyword_lists=tuple(loader.keyword_lists),
        patterns=tuple(loader.patterns), min_scores=loader.min_scores, repetition=limits,
        protected=tuple(loader.protected), reserved_words=loader.reserved_words,
        exempt_roles=exempt, profiles=profiles, allowed=allowed,
        aimed_only=frozenset(loader.aimed_only), model_threshold=loader.model_threshold)


class _Loader:
    def __init__(self, clause_ids: Collection[str] | None, lists_dir: Path | None) -> None:
        self._clauses = clause_ids
        self._lists_dir = lists_dir
        self.rules: dict[str, RuleSettings] = {}
        self.keyword_lists: list[KeywordList] = []
        self.patterns: list[Pattern] = []
        self.min_scores: dict[str, int] = {}
        self.protected: list[ProtectedName] = []
        self.reserved_words: tuple[str, ...] = DEFAULT_RESERVED_WORDS
        self._limits: dict[str, Any] = {}
        self.model_threshold = DEFAULT_THRESHOLD
        self.aimed_only: set[str] = set()

    # -- common keys -----------------------------------------------------------------------

    def _settings(self, rule_id: str, table: Reader, defaults: tuple[str, Severity, Action],
                  ) -> RuleSettings:
        clause, severity, action = defaults
        override = self._override(rule_id, table)
        settings = RuleSettings(
            rule_id=rule_id, clause_id=override.clause_id or clause,
            severity=override.severity or severity, action=override.action or action,
            suspend_for=override.suspend_for,
            enabled=table.flag("enabled", rule_id not in OFF_BY_DEFAULT),
            exempt_roles=frozenset(table.text_list("exempt_roles")))
        self._check_suspension(rule_id, table, settings.action, settings.suspend_for)
        return settings

    def _override(self, rule_id: str, table: Reader) -> RuleOverride:
        clause = table.opt_text("clause")
        if clause is not None and self._clauses is not None and clause not in self._clauses:
            raise ConfigError(f"config key '{table.key('clause')}': there is no clause "
                              f"'{clause}' in the Code of Conduct; choose one of: "
                              f"{', '.join(self._clauses)}.")
        severity = _enum(Severity, table, "severity")
        action = _enum(Action, table, "action")
        if rule_id in ALERT_ONLY and action not in (None, Action.ALERT_STAFF):
            raise ConfigError(f"config key '{table.key('action')}': rule '{rule_id}' only "
                              f"alerts staff; {ALERT_ONLY[rule_id]}.")
        suspend_for = None
        text = table.opt_text("suspend_for")
        if text is not None:
            try:
                suspend_for = parse_duration(text)
            except InvalidDuration as exc:
                raise ConfigError(f"config key '{table.key('suspend_for')}': {exc}") from exc
            if suspend_for.permanent:
                raise ConfigError(f"config key '{table.key('suspend_for')}': automated "
                                  "suspensions must end; give a length such as 1d.")
        return RuleOverride(clause, severity, action, suspend_for)

    @staticmethod
    def _check_suspension(rule_id: str, table: Reader, action: Action | None,
                          suspend_for: Duration | None) -> None:
        if action is Action.REMOVE_AND_SUSPEND and suspend_for is None:
            raise ConfigError(f"config [{table.path}]: rule '{rule_id}' suspends, so it needs "
                              "suspend_for (such as \"1d\").")
        if suspend_for is not None and action is not None \
                and action is not Action.REMOVE_AND_SUSPEND:
            raise ConfigError(f"config key '{table.key('suspend_for')}' only applies with "
                              "action = \"remove_and_suspend\".")

    # -- rules -----------------------------------------------------------------------------

    def custom(self, rule_id: str, table: Reader) -> None:
        kind = table.text("type", "")
        if kind not in CUSTOM_TYPES:
            raise ConfigError(f"config key '{table.key('type')}': rule '{rule_id}' is not "
                              f"built in, so it needs type = \"keywords\" or \"regex\". Built-in "
                              f"rules: {', '.join(BUILTIN_RULES)}.")
        if not table.has("clause"):
            raise ConfigError(f"config key '{table.key('clause')}' is required: which clause "
                              f"of the Code does rule '{rule_id}' enforce?")
        self.rules[rule_id] = self._settings(rule_id, table, ("", Severity.MINOR,
                                                              Action.ALERT_STAFF))
        if kind == "keywords":
            words = table.text_list("words") + self._files(rule_id, table)
            if not words:
                raise ConfigError(f"config key '{table.key('words')}' (or 'files') needs at "
                                  "least one word.")
            boundary = Boundary.WORD if table.flag("whole_word", True) else Boundary.NONE
            self.keyword_lists.append(KeywordList(rule_id, tuple(words), boundary,
                                                  inflect=table.flag("inflections", True)))
        else:
            self._regex(rule_id, table)
        table.finish()

    def _regex(self, rule_id: str, table: Reader) -> None:
        patterns = table.text_list("patterns")
        if not patterns:
            raise ConfigError(f"config key '{table.key('patterns')}' needs at least one "
                              "regular expression.")
        try:
            view = View(table.text("match", View.FOLDED.value))
        except ValueError as exc:
            raise ConfigError(f"config key '{table.key('match')}' must be \"folded\" or "
                              "\"skeleton\".") from exc
        for pattern in patterns:
            compile_pattern(rule_id, pattern)  # refuses it here, naming the rule
            self.patterns.append(Pattern(rule_id, pattern, f"pattern \"{pattern}\"", view,
                                         by_staff=True))

    def builtin(self, rule_id: str, table: Reader) -> None:
        settings = self._settings(rule_id, table, BUILTIN_RULES[rule_id])
        self.rules[rule_id] = settings
        self._builtin_keys(rule_id, table)  # even when disabled: a profile may enable it
        table.finish()

    def _files(self, rule_id: str, table: Reader) -> list[str]:
        """The words of the list files a rule names in ``files`` (paths as given)."""
        words: list[str] = []
        for index, name in enumerate(table.text_list("files")):
            words += read_list(rule_id, f"{table.key('files')}[{index}]", Path(name))
        return words

    def _list_rule(self, rule_id: str, table: Reader) -> None:
        own, _, _, _, label = LIST_RULES[rule_id]
        words: list[str] = []
        for index, name in enumerate(table.text_list("lists", (own,))):
            words += read_list(rule_id, f"{table.key('lists')}[{index}]",
                               shipped(name, self._lists_dir))
        words += self._files(rule_id, table) + table.text_list("words")
        if table.flag("only_when_aimed", rule_id in AIMED_BY_DEFAULT):
            self.aimed_only.add(rule_id)
        if words:
            self.keyword_lists.append(KeywordList(rule_id, tuple(words), label=label))

    def allow_list(self, root: Reader) -> tuple[str, ...]:
        """The shipped allow-list (unless ``allow_files`` replaces it) and ``allow``."""
        words: list[str] = []
        files = root.text_list("allow_files", (str(shipped(ALLOW_LIST, self._lists_dir)),))
        for index, name in enumerate(files):
            words += read_list("allow", f"{root.key('allow_files')}[{index}]", Path(name))
        return tuple(words + root.text_list("allow"))

    def _builtin_keys(self, rule_id: str, table: Reader) -> None:
        if rule_id in LIST_RULES:
            self._list_rule(rule_id, table)
        elif rule_id in builtin.PII_RULES:
            allowed = frozenset(d.lower().lstrip("@") for d in table.text_list("allowed_domains")) \
                if rule_id == builtin.EMAIL else frozenset()
            own = table.flag("allow_own_details", False) \
                if rule_id in builtin.OWN_DETAIL_RULES else False
            region = table.text("default_region", builtin.DEFAULT_REGION) \
                if rule_id == builtin.PHONE else builtin.DEFAULT_REGION
            if region.upper() not in SUPPORTED_REGIONS:
                raise ConfigError(f"config key '{table.key('default_region')}': {region!r} is "
                                  "not a region code phone numbers are known for; use a "
                                  "two-letter code such as \"US\", \"GB\" or \"DE\".")
            self.patterns.extend(builtin.pii_patterns([rule_id], allowed, allow_own=own,
                                                      region=region))
        elif rule_id == builtin.ADVERTISING:
            self.min_scores[rule_id] = table.integer("min_score", 2, minimum=1)
            invites = frozenset(i.lower().removeprefix("https://").removeprefix("http://")
                                for i in table.text_list("allowed_invites"))
            self.patterns.extend(builtin.advertising_patterns(invites))
        elif rule_id == POLITICAL:
            phrases = table.text_list("phrases", builtin.DEFAULT_POLITICAL_PHRASES)
            phrases += table.text_list("extra_phrases")
            if phrases:
                # Exact phrases: "the boycotted vendor" reports, it does not call.
                self.keyword_lists.append(KeywordList(POLITICAL, tuple(phrases),
                                                      label="political phrase", inflect=False))
        elif rule_id == BLOCKED_LINK:
            domains = [d.lower().strip().strip("/") for d in table.text_list("domains")]
            if domains:
                self.keyword_lists.append(KeywordList(BLOCKED_LINK, tuple(domains),
                                                      Boundary.DOMAIN, "blocked domain"))
        elif rule_id == IMPERSONATION:
            self._impersonation(table)
        elif rule_id == MODEL:
            self.model_threshold = table.number("threshold", DEFAULT_THRESHOLD, minimum=0.01)
            if self.model_threshold >= 1:
                raise ConfigError(f"config key '{table.key('threshold')}' must be below 1 "
                                  "(a score the model can reach), such as 0.5.")
        else:
            self._repetition_keys(rule_id, table)

    def _impersonation(self, table: Reader) -> None:
        raw = table.raw("protected") or []
        if not isinstance(raw, list):
            raise ConfigError(f"config key '{table.key('protected')}' must be a list of "
                              "{ name = \"...\", ids = [...] } tables.")
        for index, item in enumerate(raw):
            entry = Reader(item, f"{table.key('protected')}[{index}]")
            name = entry.text("name", "")
            if not name.strip():
                raise ConfigError(f"config key '{entry.key('name')}' is required.")
            self.protected.append(ProtectedName(name, frozenset(entry.text_list("ids"))))
            entry.finish()
        self.reserved_words = tuple(table.text_list("reserved_words", DEFAULT_RESERVED_WORDS))

    def _repetition_keys(self, rule_id: str, table: Reader) -> None:
        lim = self._limits
        if rule_id == FLOOD:
            lim["flood_messages"] = table.integer("max_messages", 6, minimum=1)
            lim["flood_seconds"] = table.number("per_seconds", 10.0, minimum=0.1)
        elif rule_id == DUPLICATE:
            lim["duplicate_channels"] = table.integer("channels", 3, minimum=2)
            lim["duplicate_repeats"] = table.integer("repeats", 4, minimum=2)
            lim["duplicate_seconds"] = table.number("window_seconds", 600.0, minimum=1)
            lim["duplicate_min_length"] = table.integer("min_length", 20, minimum=1)
        elif rule_id == MASS_MENTION:
            lim["max_mentions"] = table.integer("max_mentions", 5, minimum=2)
        elif rule_id == REPEATED_TARGET:
            lim["target_messages"] = table.integer("max_messages", 5, minimum=1)
            lim["target_seconds"] = table.number("window_seconds", 3600.0, minimum=1)

    def limits(self, max_authors: int) -> RepetitionLimits:
        return RepetitionLimits(max_authors=max_authors, **self._limits)

    # -- profiles --------------------------------------------------------------------------

    def profile(self, table: Reader) -> PlaceProfile:
        enable = frozenset(table.text_list("enable"))
        disable = frozenset(table.text_list("disable"))
        for name, ids in (("enable", enable), ("disable", disable)):
            unknown = sorted(ids - set(self.rules))
            if unknown:
                raise ConfigError(f"config key '{table.key(name)}': no rule named "
                                  f"{', '.join(unknown)}; rules: {', '.join(self.rules)}.")
        overrides: dict[str, RuleOverride] = {}
        rules = table.table("rules")
        for rule_id in rules.names():
            if rule_id not in self.rules:
                raise ConfigError(f"config [{rules.key(rule_id)}]: no rule named '{rule_id}'.")
            sub = rules.table(rule_id)
            override = self._override(rule_id, sub)
            base = self.rules[rule_id]
            action = override.action or base.action
            inherited = base.suspend_for if action is Action.REMOVE_AND_SUSPEND else None
            self._check_suspension(rule_id, sub, action, override.suspend_for or inherited)
            overrides[rule_id] = override
            sub.finish()
        rules.finish()
        profile = PlaceProfile(enable=enable, disable=disable,
                               restricts_promotion=table.opt_flag("restricts_promotion"),
                               exempt_roles=frozenset(table.text_list("exempt_roles")),
                               overrides=overrides)
        table.finish()
        return profile


def _enum(kind: type[Action] | type[Severity], table: Reader, name: str) -> Any:
    text = table.opt_text(name)
    if text is None:
        return None
    try:
        return kind(text.strip().lower())
    except ValueError as exc:
        raise ConfigError(f"config key '{table.key(name)}' must be one of "
                          f"{', '.join(m.value for m in kind)}; got {text!r}.") from exc
