"""Finding and parsing the configuration files (settings, Code text, templates)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from bot.core.automod import load_automod
from bot.core.code_text import Clause, ClauseSection, CodeText
from bot.core.errors import ConfigError
from bot.core.messages import MessageCatalog
from config._reader import Table
from config.email import read_email
from config.ops import read_ops
from config.settings import (
    Secrets,
    Settings,
    check_native_categories,
    read_calendar,
    read_policy,
    read_profiles,
    read_raid,
    read_report,
    read_retention,
    read_schedule,
)
from config.spaces import (
    Home,
    check_home,
    read_discord,
    read_slack,
    token_names,
)

CONFIG_ENV = "COC_BOT_CONFIG"
DEFAULT_CONFIG_NAME = "coc-bot.toml"
TOP_LEVEL = {"organization", "policy", "business_days", "schedule", "code", "profiles",
             "committee", "discord", "slack", "automod", "retention",
             "report", "ops", "raid"}


def find_config(explicit: str | None, env: Mapping[str, str]) -> Path:
    """``--config``, then ``COC_BOT_CONFIG``, then ``./coc-bot.toml``."""
    for candidate in (explicit, env.get(CONFIG_ENV)):
        if candidate:
            path = Path(candidate)
            if not path.is_file():
                raise ConfigError(f"The configuration file '{path}' does not exist.")
            return path
    path = Path(DEFAULT_CONFIG_NAME)
    if path.is_file():
        return path
    raise ConfigError(
        "No configuration file found. Copy config/example.toml to ./coc-bot.toml (or set "
        f"{CONFIG_ENV} / pass --config) and fill in your ids.")


def _parse_toml(path: Path | None, text: str | None = None) -> dict[str, Any]:
    try:
        if text is not None:
            return tomllib.loads(text)
        assert path is not None
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path or 'configuration'} is not valid TOML: {exc}.") from exc
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror}.") from exc


def _packaged(name: str) -> str:
    return resources.files("config").joinpath(name).read_text(encoding="utf-8")


def load_code(path: Path | None) -> CodeText:
    data = _parse_toml(path) if path else _parse_toml(None, _packaged("code_of_conduct.toml"))
    where = str(path or "code_of_conduct.toml")
    table = Table(data, "")
    clauses = []
    raw_clauses = table.raw("clauses") or []
    if not isinstance(raw_clauses, list) or not raw_clauses:
        raise ConfigError(f"{where}: needs a list of [[clauses]].")
    for index, raw in enumerate(raw_clauses):
        item = Table(raw, f"clauses[{index}]")
        try:
            section = ClauseSection(item.text("section", required=True))
        except ValueError as exc:
            raise ConfigError(f"{where}: clauses[{index}].section must be do, dont or "
                              "reporting.") from exc
        clauses.append(Clause(id=item.text("id", required=True), section=section,
                              title=item.text("title", required=True),
                              text=item.text("text", required=True),
                              avoid=item.text("avoid", required=True)))
        item.finish()
    code = CodeText(title=table.text("title", "Code of Conduct"),
                    introduction=table.text("introduction", ""), clauses=tuple(clauses),
                    closing=table.text("closing", ""))
    table.finish()
    return code


def load_messages(path: Path | None) -> MessageCatalog:
    packaged = None if path else _packaged("templates/messages.toml")
    data = _parse_toml(path, packaged)
    if not all(isinstance(v, str) for v in data.values()):
        raise ConfigError(f"{path or 'messages.toml'}: every template must be text.")
    return MessageCatalog({k: str(v) for k, v in data.items()})


def load_settings(path: Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """Parse and validate everything; raise ConfigError naming the first problem."""
    environment = os.environ if env is None else env
    data = _parse_toml(path) if path else {}
    root = Table(data, "")
    base = path.parent if path else Path(".")
    org = root.table("organization")
    organization = org.text("name", "our community")
    org.finish()
    code_table = root.table("code")
    code_file = code_table.opt_text("file")
    templates_file = code_table.opt_text("templates")
    code_table.finish()
    committee = root.table("committee")
    home = committee.opt_text("home")
    committee.finish()
    where = Home.parse(home)
    code = load_code(base / code_file if code_file else None)
    settings = Settings(
        organization=organization,
        policy=replace(read_policy(root.table("policy")),
                       retention=read_retention(root.table("retention")),
                       report_min_cell=read_report(root.table("report")),
                       raid=read_raid(root.table("raid"))),
        calendar=read_calendar(root.table("business_days")),
        schedule=read_schedule(root.table("schedule")),
        code=code,
        messages=load_messages(base / templates_file if templates_file else None),
        profiles=read_profiles(root.table("profiles")),
        secrets=Secrets.from_env(environment),
        committee_home=where.platform, committee_space=where.space,
        discord=read_discord(root.table("discord"), where) if root.has("discord") else None,
        slack=read_slack(root.table("slack"), where) if root.has("slack") else None,
        # Validated once here: a bad rule (an invalid pattern, an unknown clause) is refused
        # at start-up, naming it, and everything else uses the parsed rules.
        automod=load_automod(root.raw("automod"), clause_ids=[c.id for c in code.clauses]),
    )
    check_home(where, settings.discord, settings.slack)
    named = ((name, environment.get(name, "").strip()) for name in token_names(settings.slack))
    settings = replace(settings, secrets=replace(
        settings.secrets, named=tuple((name, value) for name, value in named if value)))
    if root.has("email"):
        settings = replace(settings, email=read_email(root.table("email"),
                                                      settings.secrets.smtp_password))
    taken = {settings.slack.http_port: "slack.http_port"} if settings.slack else {}
    settings = replace(settings, ops=read_ops(root.table("ops"), taken))
    root.finish()
    check_native_categories(settings)
    return settings
