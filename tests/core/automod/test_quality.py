"""The shipped defaults on the synthetic personal-information set of benchmarks/quality.py.

A floor, not a figure to quote: the benchmark prints the numbers. A detector change that
loses recall on documented formats, or flags a look-alike, fails here.
"""

from __future__ import annotations

import random

from benchmarks.quality import SEED, synthetic_pii
from bot.core.automod import Automod, load_automod
from bot.core.automod.evaluate import evaluate


def test_personal_information_floor_on_the_synthetic_set() -> None:
    report = evaluate(Automod(load_automod({})), synthetic_pii(random.Random(SEED)))
    for rule in ("pii-phone", "pii-card", "pii-iban", "pii-ssn"):
        score = report.labels[rule]
        assert score.recall is not None and score.recall >= 0.95, (rule, score)
        assert score.precision is not None and score.precision >= 0.99, (rule, score)
    assert report.ok_rows >= 15 and report.ok_flagged == 0
