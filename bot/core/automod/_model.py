"""The values automod passes around: messages in, detections out, rules in between."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.core.durations import Duration
from bot.core.models import Severity

__all__ = [
    "Action",
    "Detection",
    "RuleSettings",
    "ScannedMessage",
    "Severity",
    "strongest",
]


class Action(StrEnum):
    """What the front-end does with a detection, mildest first.

    ``redact`` is ``remove_and_explain`` for personal information: the message is removed
    and the author told what was removed and why, recorded as a redaction.
    """

    ALERT_STAFF = "alert_staff"
    REMOVE_AND_EXPLAIN = "remove_and_explain"
    REDACT = "redact"
    REMOVE_AND_SUSPEND = "remove_and_suspend"
    OPEN_CASE = "open_case"


_ACTION_RANK = {a: i for i, a in enumerate(Action)}
_SEVERITY_RANK = {Severity.MINOR: 0, Severity.SERIOUS: 1, Severity.SEVERE: 2}


# A mention of everyone (Discord ``@everyone``/``@here``, Slack ``<!channel>``/``<!here>``)
# counts as this many mentions for the mass-mention rule: every front-end and the export
# scanner add it, so one ping of a whole channel weighs like fifty individual ones.
MASS_MENTION_WEIGHT = 50


@dataclass(frozen=True, slots=True)
class ScannedMessage:
    """One message (or an edited message) as a front-end hands it to automod.

    Ids are the platform-qualified keys used elsewhere (``discord:<guild>:<channel>``), so
    channel and category keys match the keys of profiles in the configuration.
    ``timestamp`` is when the platform says the message was sent: repetition rules use it
    instead of the wall clock, which keeps them testable and correct on replayed history.
    """

    text: str
    author_id: str
    channel_id: str
    timestamp: datetime
    author_roles: frozenset[str] = frozenset()
    category_id: str | None = None
    mentions: int = 0
    display_name: str = ""
    mentioned_ids: tuple[str, ...] = ()
    recipient_id: str | None = None  # the person a DM or reply is addressed to
    edited: bool = False  # edits are checked for content but not counted as new messages
    restricts_promotion: bool | None = None  # None: look it up in the channel profiles


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """How one rule acts in one place, after channel and category profiles are applied."""

    rule_id: str
    clause_id: str
    severity: Severity
    action: Action
    suspend_for: Duration | None = None
    enabled: bool = True
    exempt_roles: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Detection:
    """One rule that a message broke, with what staff need to review it.

    ``excerpt`` is taken from the text as written (not the normalised form) with a little
    context; personal information is masked. ``span`` is the match in the original text when the
    detection is about a part of it.
    """

    rule_id: str
    clause_id: str
    severity: Severity
    action: Action
    excerpt: str
    detail: str
    suspend_for: Duration | None = None
    span: tuple[int, int] | None = field(default=None, compare=False)

    @property
    def rank(self) -> tuple[int, int]:
        return _ACTION_RANK[self.action], _SEVERITY_RANK[self.severity]


def strongest(detections: list[Detection]) -> Detection | None:
    """The detection whose action (then severity) weighs most: the one to carry out."""
    return max(detections, key=lambda d: d.rank, default=None)
