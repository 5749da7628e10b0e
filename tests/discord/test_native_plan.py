"""Planning the bot's lists into Discord AutoMod keyword rules: faithful to what the bot's
own automod catches, within Discord's limits, and honest about what did not fit."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.automod import Automod, ScannedMessage, load_automod
from bot.discord_io.native_plan import (
    MAX_ALLOW,
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    RULE_PREFIX,
    forms,
    plan,
)

CONFIG = load_automod({"rules": {"profanity": {"action": "remove_and_explain"}}})
WORDS = {k.rule_id: k.words for k in CONFIG.keyword_lists}


def flagged(automod: Automod, text: str) -> set[str]:
    found = automod.scan(ScannedMessage(text=text, author_id="a", channel_id="c",
                                        timestamp=datetime(2026, 1, 1, tzinfo=UTC)))
    return {d.rule_id for d in found}


def test_every_keyword_discord_gets_is_one_the_bots_own_automod_flags() -> None:
    """Discord blocks outright: it must never block what the bot itself would let pass."""
    automod = Automod(CONFIG)
    found = plan(["hate-slurs", "harassment", "profanity", "sexual"], WORDS, CONFIG.allowed)
    for rule in found.rules:
        for keyword in rule.keywords:
            text = f"well {keyword.strip('*')} then"
            assert rule.category in flagged(automod, text), (rule.category, keyword)


def test_inflections_become_keywords_and_wildcards_pass_as_written() -> None:
    assert forms("chink") == (["chink"], ["chinks"], ["chinked", "chinking"])
    assert forms("pussy") == (["pussy"], ["pussies"], ["pussied"])
    assert forms("hate") == (["hate"], ["hates"], ["hated", "hating"])
    assert forms("*cock*") == (["*cock*"], [], [])
    assert forms("k!k3") == (["k!k3"], [], [])  # written with symbols: matched as written
    assert forms("Anchor  Baby") == (["anchor baby"], ["anchor babies"], ["anchor babied"])
    automod = Automod(CONFIG)
    for spelling in ("chinks", "darkies", "wetbacked"):  # the bot catches them too
        assert flagged(automod, f"so {spelling} ok")


def test_limits_hold_and_every_keyword_is_either_pushed_or_counted() -> None:
    words = {"big": [f"word{n:05d}x" for n in range(3000)],
             "long": ["x" * (MAX_KEYWORD_LENGTH + 1), "short"]}
    found = plan(["big", "long"], words, [f"innocent {n}" for n in range(150)], slots=2)
    assert [r.name for r in found.rules] == [f"{RULE_PREFIX}big (1/2)", f"{RULE_PREFIX}big (2/2)"]
    for rule in found.rules:
        assert len(rule.keywords) == MAX_KEYWORDS and len(rule.allow_list) == MAX_ALLOW
        assert all(len(k) <= MAX_KEYWORD_LENGTH for k in rule.keywords)
    total = 3000 * 4  # each word, its plural, -ed, -ing
    assert sum(len(r.keywords) for r in found.rules) + found.left_out["big"] == total
    assert found.left_out["long"] == 4 and found.too_long["long"] == 1
    problems = found.problems()
    assert f"{total - 2000} keywords of category big did not fit in Discord AutoMod; they " \
           "stay with the bot's own automod" in problems
    assert any("1 entries of category long are longer than Discord's 60" in p
               for p in problems)


def test_the_listed_spellings_go_first_the_rarest_forms_overflow() -> None:
    words = {"w": [f"term{n:04d}" for n in range(450)]}
    (rule,) = plan(["w"], words, [], slots=1).rules
    assert set(words["w"]) <= set(rule.keywords)  # every listed spelling is pushed
    assert {f"{w}s" for w in words["w"]} <= set(rule.keywords)  # then every plural
    assert len(rule.keywords) == MAX_KEYWORDS  # and -ed / -ing forms fill the rest


def test_an_entry_already_inflected_is_not_inflected_again() -> None:
    (rule,) = plan(["w"], {"w": ["beaner", "beaners"]}, []).rules
    assert "beanerses" not in rule.keywords and "beaners" in rule.keywords
