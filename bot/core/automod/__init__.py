"""Automod: finds what the Code of Conduct prohibits in messages, fast and safely.

Platform-neutral: front-ends turn a platform message into a :class:`ScannedMessage`, call
:meth:`Automod.scan`, and carry out each :class:`Detection`'s action through the incident
service (``rule_id`` and ``excerpt`` go on the incident, marked automated).

    config = load_automod(settings.automod, clause_ids=[c.id for c in code.clauses])
    automod = Automod(config, profiles=settings.profiles)
    for detection in automod.scan(message): ...
"""

from bot.core.automod._classifier import MODEL, TextClassifier
from bot.core.automod._config import (
    BUILTIN_RULES,
    AutomodConfig,
    PlaceProfile,
    RuleOverride,
    load_automod,
)
from bot.core.automod._engine import Automod
from bot.core.automod._masking import mask_personal
from bot.core.automod._model import (
    MASS_MENTION_WEIGHT,
    Action,
    Detection,
    RuleSettings,
    ScannedMessage,
    Severity,
    strongest,
)
from bot.core.automod.normalize import Normalized, fold, normalize, skeleton
from bot.core.automod.stats import RuleReversals, reversal_counts, reversal_stats

__all__ = [
    "BUILTIN_RULES",
    "MASS_MENTION_WEIGHT",
    "MODEL",
    "Action",
    "Automod",
    "AutomodConfig",
    "Detection",
    "Normalized",
    "PlaceProfile",
    "RuleOverride",
    "RuleReversals",
    "RuleSettings",
    "ScannedMessage",
    "Severity",
    "TextClassifier",
    "fold",
    "load_automod",
    "mask_personal",
    "normalize",
    "reversal_counts",
    "reversal_stats",
    "skeleton",
    "strongest",
]
