"""Rule ``toxicity-model``: the optional classifier's guesses reach staff, never more by
default; off until an operator turns it on; asked only where the rule applies."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.automod import MODEL, Action, Automod, load_automod
from bot.core.errors import ConfigError
from tests.core.automod.conftest import CHANNEL, message


class Scripted:
    """A classifier that answers a fixed score and remembers what it was asked."""

    def __init__(self, score: float) -> None:
        self.value = score
        self.asked: list[str] = []

    def score(self, folded: str) -> float:
        self.asked.append(folded)
        return self.value


def engine(score: float, **rule: Any) -> tuple[Automod, Scripted]:
    model = Scripted(score)
    config = load_automod({"exempt_roles": ["staff"], "rules": {MODEL: rule}} if rule
                          else {})
    return Automod(config, classifier=model), model


def test_off_by_default_even_with_a_model_at_hand() -> None:
    automod, model = engine(0.99)
    assert not automod.config.rules[MODEL].enabled
    assert automod.scan(message("anything at all")) == []
    assert model.asked == []


def test_a_score_over_the_threshold_alerts_staff_and_removes_nothing() -> None:
    automod, _ = engine(0.93, enabled=True)
    [found] = automod.scan(message("you are all worthless"))
    assert (found.rule_id, found.action, found.clause_id) == (MODEL, Action.ALERT_STAFF,
                                                              "no-hate")
    assert "model score 0.93" in found.detail
    assert found.excerpt == "you are all worthless"


def test_a_score_under_the_threshold_finds_nothing() -> None:
    automod, model = engine(0.69, enabled=True, threshold=0.7)
    assert automod.scan(message("borderline")) == []
    assert model.asked == ["borderline"]


def test_the_model_reads_the_folded_text() -> None:
    automod, model = engine(0.0, enabled=True)
    automod.scan(message("ＨＥＬＬＯ Wörld"))
    assert model.asked == ["hello world"]


def test_personal_details_in_the_excerpt_are_masked() -> None:
    automod, _ = engine(0.99, enabled=True)
    found = automod.scan(message("call the idiot on 212-555-0123 tonight"))
    model_hit = next(d for d in found if d.rule_id == MODEL)
    assert "555-0123" not in model_hit.excerpt


def test_exempt_roles_are_not_scored() -> None:
    automod, model = engine(0.99, enabled=True)
    assert automod.scan(message("x", author_roles=frozenset({"staff"}))) == []
    assert model.asked == []


def test_a_profile_turns_it_on_in_one_channel_only() -> None:
    model = Scripted(0.99)
    config = load_automod({"profiles": {"discord:1:99": {"enable": [MODEL]}}})
    automod = Automod(config, classifier=model)
    assert automod.scan(message("hostile", channel=CHANNEL)) == []
    assert [d.rule_id for d in automod.scan(message("hostile", channel="discord:1:99"))] \
        == [MODEL]


def test_without_a_classifier_the_rule_finds_nothing() -> None:
    automod = Automod(load_automod({"rules": {MODEL: {"enabled": True}}}))
    assert automod.scan(message("anything")) == []


def test_an_operator_may_choose_a_stronger_action_deliberately() -> None:
    automod, _ = engine(0.99, enabled=True, action="remove_and_explain")
    assert automod.scan(message("x"))[0].action is Action.REMOVE_AND_EXPLAIN


@pytest.mark.parametrize(("threshold", "words"), [
    (1, "below 1"), (1.5, "below 1"), (0, "at least 0.01"), ("high", "must be a number")])
def test_a_threshold_it_cannot_use_is_refused_naming_the_key(threshold: object,
                                                             words: str) -> None:
    with pytest.raises(ConfigError, match=words) as caught:
        load_automod({"rules": {MODEL: {"enabled": True, "threshold": threshold}}})
    assert f"automod.rules.{MODEL}.threshold" in str(caught.value)
