"""Optional machine-learned detectors (the ``ml`` extra: ``pip install 'coc-bot[ml]'``).

Kept out of ``bot.core``: the domain only knows the :class:`~bot.core.automod.TextClassifier`
port, so the default install runs without scikit-learn and a missing extra degrades to the
rule-based detectors with one log line instead of failing.
"""
