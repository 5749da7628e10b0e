"""The one place the automod engine is built, so the bot, ``coc-bot scan`` and
``coc-bot eval`` judge a message exactly alike (the optional model included)."""

from __future__ import annotations

from bot.core.automod import Automod
from config.settings import Settings


def build_automod(settings: Settings) -> Automod:
    """The engine from ``[automod]``, with the toxicity model when a rule uses it."""
    from bot.ml.toxicity import classifier_for

    return Automod(settings.automod, profiles=settings.profiles,
                   classifier=classifier_for(settings.automod))
