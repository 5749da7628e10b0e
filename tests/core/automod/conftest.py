"""Helpers shared by the automod tests: a message factory and a configured engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.automod import Action, Automod, ScannedMessage, load_automod

START = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
CHANNEL = "discord:1:10"
PROMO_CHANNEL = "discord:1:20"

MakeMessage = Callable[..., ScannedMessage]


def message(text: str = "hello", *, author: str = "u1", channel: str = CHANNEL,
            seconds: float = 0.0, **fields: Any) -> ScannedMessage:
    """A message ``seconds`` after START; extra fields go to ScannedMessage."""
    return ScannedMessage(text=text, author_id=author, channel_id=channel,
                          timestamp=START + timedelta(seconds=seconds), **fields)


_SHIPPED: list[Automod] = []


def shipped_actions(text: str, automod: Automod | None = None) -> dict[str, Action]:
    """Each rule the text breaks and its action, by the shipped defaults (or ``automod``);
    the author is new for each text, so repetition rules stay quiet."""
    if automod is None:
        if not _SHIPPED:
            _SHIPPED.append(Automod(load_automod({})))
        automod = _SHIPPED[0]
    return {d.rule_id: d.action for d in automod.scan(message(text, author=f"a{hash(text)}"))}


BASE: Mapping[str, Any] = {
    "exempt_roles": ["role-staff"],
    "rules": {
        "insults": {"type": "keywords", "clause": "no-hate", "severity": "serious",
                    "action": "remove_and_explain",
                    "words": ["idiot", "moron", "ass", "cunt", "anal", "shit"]},
        "substrings": {"type": "keywords", "clause": "no-hate", "whole_word": False,
                       "words": ["xyzzy"]},
        "scam": {"type": "regex", "clause": "no-illegal-material", "severity": "severe",
                 "action": "remove_and_suspend", "suspend_for": "1d",
                 "patterns": [r"free\s+nitro", r"steam\s*gift\s*card"]},
        "blocked-link": {"domains": ["grabify.link", "evil.example"]},
        "pii-email": {"allowed_domains": ["ala.org"]},
        "impersonation": {"protected": [{"name": "Jane Doe", "ids": ["jane"]}]},
    },
    "profiles": {
        PROMO_CHANNEL: {"restricts_promotion": True},
        "discord:1:30": {"disable": ["political"]},
        "discord:1:cat-jobs": {"rules": {"pii-email": {"action": "alert_staff"}}},
    },
}


@pytest.fixture
def automod() -> Automod:
    return Automod(load_automod(BASE))


def rules_of(engine: Automod, msg: ScannedMessage) -> set[str]:
    return {d.rule_id for d in engine.scan(msg)}
