"""Cost of the optional toxicity model per message: the bot's own features against
scikit-learn's ``HashingVectorizer`` one message at a time (what a chat bot would call),
in the same run, on the same messages.

Run: ``.venv/bin/python -m benchmarks.toxicity --davidson data/labeled_data.csv``
(any CSV with a ``tweet`` column, or ``--text FILE`` with one message per line).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from benchmarks.quality import davidson
from bot.core.automod import fold
from bot.ml.toxicity import Featurizer, dense_weights, load_model


def _per_message(score: Callable[[str], float], texts: Sequence[str]) -> float:
    """Best of three passes, in microseconds per message (the machine is shared)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for text in texts:
            score(text)
        best = min(best, time.perf_counter() - start)
    return best / len(texts) * 1e6


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--davidson", type=Path)
    parser.add_argument("--text", type=Path)
    parser.add_argument("--messages", type=int, default=5_000)
    args = parser.parse_args(argv)
    if args.davidson:
        raw = [text for text, _ in davidson(args.davidson)]
    elif args.text:
        raw = args.text.read_text("utf-8").splitlines()
    else:
        parser.error("give --davidson or --text")
    texts = [fold(t) for t in raw[1::2][:args.messages]]  # the half training never saw
    model = load_model()
    weights = dense_weights()
    featurizer, intercept = Featurizer(), float(model.metadata["intercept"])

    def sklearn_score(text: str) -> float:
        return float(1 / (1 + np.exp(-(featurizer.rows([text]) @ weights)[0] - intercept)))

    cold = _per_message(load_model().score, texts[:1]) if texts else 0.0
    ours = _per_message(model.score, texts)
    theirs = _per_message(sklearn_score, texts)
    print(f"{len(texts)} messages, mean {sum(map(len, texts)) / len(texts):.0f} characters")
    print(f"  coc-bot features:            {ours:8.1f} µs/message  ({1e6 / ours:,.0f} msg/s)")
    print(f"  HashingVectorizer per call:  {theirs:8.1f} µs/message  ({1e6 / theirs:,.0f} msg/s)")
    print(f"  ratio: {theirs / ours:.1f}x; first message after start-up {cold:.0f} µs")


if __name__ == "__main__":
    main()
