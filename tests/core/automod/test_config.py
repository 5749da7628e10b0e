"""Configuration: every mistake refused at start-up, naming the key or rule at fault."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.core.automod import BUILTIN_RULES, Action, Automod, load_automod
from bot.core.errors import ConfigError
from tests.core.automod.conftest import message

ROOT = Path(__file__).resolve().parents[3]
CLAUSES = ["no-hate", "no-private-info", "no-restricted-content", "no-external-politics",
           "no-illegal-material", "no-unsolicited-repetition", "do-post-as-yourself",
           "no-harassment"]


def _load(rules: dict[str, Any], **extra: Any) -> Automod:
    return Automod(load_automod({"rules": rules, **extra}, clause_ids=CLAUSES))


def test_empty_config_gives_the_builtin_rules() -> None:
    config = load_automod(None)
    assert set(config.rules) == set(BUILTIN_RULES)


def test_example_file_loads_and_uses_real_clause_ids() -> None:
    code = tomllib.loads((ROOT / "config" / "code_of_conduct.toml").read_text("utf-8"))
    clause_ids = [c["id"] for c in code["clauses"]]
    example = tomllib.loads((ROOT / "config" / "automod.example.toml").read_text("utf-8"))
    config = load_automod(example["automod"], clause_ids=clause_ids)
    assert all(s.clause_id in clause_ids for s in config.rules.values())
    assert {c for c, _, _ in BUILTIN_RULES.values()} <= set(clause_ids)


def test_invalid_regex_is_refused_naming_the_rule() -> None:
    rules = {"scam": {"type": "regex", "clause": "no-hate", "patterns": ["ok", "(unclosed"]}}
    with pytest.raises(ConfigError, match="'scam'"):
        _load(rules)


def test_lookaround_is_refused_with_a_reason() -> None:
    rules = {"sneaky": {"type": "regex", "clause": "no-hate", "patterns": [r"(?<=a)b"]}}
    with pytest.raises(ConfigError, match=r"sneaky.*RE2"):
        _load(rules)


def test_pattern_matching_every_message_is_refused() -> None:
    rules = {"greedy": {"type": "regex", "clause": "no-hate", "patterns": [r"(\w+\s?)*$"]}}
    with pytest.raises(ConfigError, match=r"greedy.*empty"):
        _load(rules)


def test_hostile_pattern_runs_on_a_long_line() -> None:
    engine = _load({"hostile": {"type": "regex", "clause": "no-hate",
                                "patterns": [r"(a+)+$", r"(x+x+)+y"]}})
    assert engine.scan(message("a" * 9_999 + "!")) == []
    assert [d.rule_id for d in engine.scan(message("b" + "a" * 10_000))] == ["hostile"]
    assert engine.scan(message("x" * 10_000)) == []


@pytest.mark.parametrize(("rules", "match"), [
    ({"x": {"type": "keywords", "clause": "nope", "words": ["a"]}}, "no clause 'nope'"),
    ({"x": {"type": "keywords", "words": ["a"]}}, "rules.x.clause"),
    ({"x": {"clause": "no-hate", "words": ["a"]}}, "type"),
    ({"x": {"type": "keywords", "clause": "no-hate", "words": []}}, "at least one word"),
    ({"x": {"type": "keywords", "clause": "no-hate", "words": ["\u200b"]}}, "empty"),
    ({"x": {"type": "keywords", "clause": "no-hate", "words": ["a"], "wrods": 1}}, "wrods"),
    ({"x": {"type": "keywords", "clause": "no-hate", "words": ["a"], "action": "ban"}},
     "alert_staff"),
    ({"x": {"type": "keywords", "clause": "no-hate", "words": ["a"],
            "action": "remove_and_suspend"}}, "suspend_for"),
    ({"x": {"type": "keywords", "clause": "no-hate", "words": ["a"],
            "action": "remove_and_suspend", "suspend_for": "permanent"}}, "must end"),
    ({"x": {"type": "keywords", "clause": "no-hate", "words": ["a"],
            "suspend_for": "1d"}}, "only applies"),
    ({"political": {"action": "remove_and_explain"}}, "never removed"),
    ({"flood": {"max_messages": "six"}}, "whole number"),
    ({"x": {"type": "regex", "clause": "no-hate", "patterns": ["a"], "match": "raw"}},
     "folded"),
])
def test_mistakes_are_refused(rules: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        _load(rules)


def test_profiles_must_name_real_rules() -> None:
    with pytest.raises(ConfigError, match="no rule named typo"):
        _load({}, profiles={"discord:1:2": {"disable": ["typo"]}})
    with pytest.raises(ConfigError, match="never removed"):
        _load({}, profiles={"discord:1:2": {"rules": {"political": {"action": "redact"}}}})


def test_unknown_top_level_key() -> None:
    with pytest.raises(ConfigError, match="exmept_roles"):
        load_automod({"exmept_roles": []})


def test_profile_enables_a_rule_that_is_off_by_default() -> None:
    engine = _load({"quiet": {"type": "keywords", "clause": "no-hate", "enabled": False,
                              "words": ["hush"]}},
                   profiles={"discord:1": {"enable": ["quiet"]}})
    assert engine.scan(message("hush", channel="slack:T1:C1")) == []
    assert [d.rule_id for d in engine.scan(message("hush", channel="discord:1:5"))] == ["quiet"]


def test_channel_profile_overrides_its_category() -> None:
    rules = {"x": {"type": "keywords", "clause": "no-hate", "words": ["boo"]}}
    profiles = {
        "discord:1:cat": {"rules": {"x": {"action": "remove_and_suspend",
                                          "suspend_for": "2h"}}},
        "discord:1:7": {"rules": {"x": {"action": "open_case", "severity": "severe"}}},
    }
    engine = _load(rules, profiles=profiles)
    (in_category,) = engine.scan(message("boo", channel="discord:1:6", category_id="discord:1:cat"))
    (in_channel,) = engine.scan(message("boo", channel="discord:1:7", category_id="discord:1:cat"))
    assert in_category.action is Action.REMOVE_AND_SUSPEND and in_category.suspend_for
    assert in_channel.action is Action.OPEN_CASE and in_channel.suspend_for is None
    settings = engine.settings_for("discord:1:7", "discord:1:cat")
    assert settings["x"].severity.value == "severe"


def test_disabled_automod_scans_nothing() -> None:
    engine = Automod(load_automod({"enabled": False, "rules": {
        "x": {"type": "keywords", "clause": "no-hate", "words": ["boo"]}}}))
    assert engine.scan(message("boo")) == []
