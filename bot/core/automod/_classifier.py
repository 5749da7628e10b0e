"""The port a statistical text classifier plugs into automod through.

The engine never imports a machine-learning library: the optional model (``bot/ml``) is
handed in by whoever builds the engine. A classifier's verdict is a guess, so the rule it
feeds (``toxicity-model``) alerts staff by default and is off until an operator turns it on.
"""

from __future__ import annotations

from typing import Protocol

MODEL = "toxicity-model"
DEFAULT_THRESHOLD = 0.5


class TextClassifier(Protocol):
    """Scores how likely a message is abusive, from 0 to 1."""

    def score(self, folded: str) -> float:
        """``folded`` is the message after :func:`bot.core.automod.fold` (case, accents and
        look-alike letters folded), the form the model was trained on."""
        ...
