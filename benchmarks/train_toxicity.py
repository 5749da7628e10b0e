"""Train the optional toxicity model shipped in ``bot/ml/data`` and measure it, held out.

Run (needs the ``ml`` extra and the two public datasets ``benchmarks/quality.py`` names):

    .venv/bin/python -m benchmarks.train_toxicity --davidson data/labeled_data.csv \
        --irc data/irc-disentanglement/data/train [--out bot/ml/data]

Training data, both openly licensed:
- Davidson et al. 2017, "Automated Hate Speech Detection and the Problem of Offensive
  Language" (MIT): the EVEN rows only; hate and offensive tweets are the positive class.
- Ubuntu IRC logs of Kummerfeld et al. 2019 (CC BY 4.0): benign lines from the EVEN files
  (sorted by name) only, as negatives, so a model that only ever saw tweets does not take
  ordinary technical chat for abuse.

The odd rows and odd files were never seen in training (the same halves quality.py holds
out), and every figure printed and stored in the metadata is measured on them. The threshold
is not tuned on them: the shipped default is the model's own decision boundary (0.5).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

from benchmarks.quality import davidson, irc
from bot.core.automod import fold
from bot.core.automod._classifier import DEFAULT_THRESHOLD
from bot.ml.toxicity import DATA_DIR, FORMAT, MODEL_NAME, Featurizer, ModelFiles

BENIGN_LINES = 20_000  # IRC lines used as negatives (the tweets are ~83 % abusive)
KEPT_WEIGHTS = 40_000  # the largest weights kept: the same held-out figures, 1/20 the file
C = 10.0  # inverse regularisation: the best of --cv (3-fold, training half only)
C_GRID = (1.0, 4.0, 10.0)
THRESHOLDS = (0.5, 0.7, 0.85)


def _sha256(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _irc_lines(files: Sequence[Path], limit: int) -> list[str]:
    return [line for path in files for line in irc(path)[1]][:limit]


def _train(featurizer: Featurizer, texts: list[str], labels: list[bool]) -> tuple[Any, float]:
    model = LogisticRegression(C=C, max_iter=3000)
    model.fit(featurizer.rows([fold(t) for t in texts]), np.array(labels))
    weights = model.coef_[0].astype(np.float32)
    cut = np.sort(np.abs(weights))[-KEPT_WEIGHTS]
    weights[np.abs(weights) < cut] = 0.0
    return weights, float(model.intercept_[0])


def _choose_c(featurizer: Featurizer, texts: list[str], labels: list[bool]) -> None:
    """Prints the 3-fold cross-validated F1 of each C on the training half (``--cv``)."""
    from sklearn.model_selection import cross_val_score

    rows, truth = featurizer.rows([fold(t) for t in texts]), np.array(labels)
    for c in C_GRID:
        f1 = cross_val_score(LogisticRegression(C=c, max_iter=3000), rows, truth, cv=3,
                             scoring="f1")
        print(f"C={c:g}: F1 {f1.mean():.4f} (folds {', '.join(f'{v:.4f}' for v in f1)})")


def _scores(featurizer: Featurizer, weights: Any, intercept: float, texts: list[str]) -> Any:
    logits = featurizer.rows([fold(t) for t in texts]) @ weights + intercept
    return 1.0 / (1.0 + np.exp(-logits))


def _figures(tweets: list[tuple[str, int]], benign: list[str], tweet_scores: Any,
             benign_scores: Any) -> dict[str, dict[str, float]]:
    abusive = np.array([cls in (0, 1) for _, cls in tweets])
    hate = np.array([cls == 0 for _, cls in tweets])
    out = {}
    for threshold in THRESHOLDS:
        guess = tweet_scores >= threshold
        tp = int((guess & abusive).sum())
        precision = tp / max(1, int(guess.sum()))
        recall = tp / max(1, int(abusive.sum()))
        out[f"{threshold:.2f}"] = {
            "abusive_precision": round(precision, 4), "abusive_recall": round(recall, 4),
            "abusive_f1": round(2 * precision * recall / max(1e-9, precision + recall), 4),
            "hate_recall": round(float(guess[hate].mean()), 4),
            "neither_flagged": round(float(guess[~abusive].mean()), 4),
            "benign_chat_flagged": round(float((benign_scores >= threshold).mean()), 5)}
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--davidson", type=Path, required=True)
    parser.add_argument("--irc", type=Path, required=True, help="folder of *.raw.txt logs")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument("--cv", action="store_true", help="only cross-validate C, then stop")
    args = parser.parse_args(argv)
    tweets = davidson(args.davidson)
    files = sorted(args.irc.glob("*.raw.txt"))
    train_tweets, test_tweets = tweets[0::2], tweets[1::2]
    train_benign = _irc_lines(files[0::2], BENIGN_LINES)
    test_benign = _irc_lines(files[1::2], 50_000)
    featurizer = Featurizer()
    texts = [t for t, _ in train_tweets] + train_benign
    labels = [cls in (0, 1) for _, cls in train_tweets] + [False] * len(train_benign)
    if args.cv:
        _choose_c(featurizer, texts, labels)
        return
    weights, intercept = _train(featurizer, texts, labels)
    figures = _figures(test_tweets, test_benign,
                       _scores(featurizer, weights, intercept, [t for t, _ in test_tweets]),
                       _scores(featurizer, weights, intercept, test_benign))
    kept = np.flatnonzero(weights)
    files_out = ModelFiles.named(MODEL_NAME, args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    with files_out.weights.open("wb") as handle:
        np.savez_compressed(handle, indices=kept.astype(np.int32), values=weights[kept])
    metadata = {
        "format": FORMAT, "features": Featurizer.params(), "intercept": intercept,
        "default_threshold": DEFAULT_THRESHOLD, "weights_kept": int(kept.size),
        "sha256": hashlib.sha256(files_out.weights.read_bytes()).hexdigest(),
        "trained_on": "Davidson et al. 2017 (MIT), even rows; Kummerfeld et al. 2019 "
                      "Ubuntu IRC (CC BY 4.0), even files, as benign chat",
        "datasets": {
            "davidson-2017": {"sha256": _sha256([args.davidson]), "licence": "MIT",
                              "url": "https://github.com/t-davidson/"
                                     "hate-speech-and-offensive-language",
                              "train_rows": len(train_tweets), "test_rows": len(test_tweets)},
            "ubuntu-irc-2019": {"sha256": _sha256(files), "licence": "CC BY 4.0",
                                "url": "https://github.com/jkkummerfeld/irc-disentanglement",
                                "train_lines": len(train_benign),
                                "test_lines": len(test_benign)}},
        "held_out": figures, "C": C, "scikit_learn": sklearn.__version__,
        "trained": datetime.datetime.now(datetime.UTC).date().isoformat()}
    files_out.metadata.write_text(json.dumps(metadata, indent=2) + "\n", "utf-8")
    print(json.dumps({"held_out": figures, "weights_kept": int(kept.size),
                      "bytes": files_out.weights.stat().st_size}, indent=2))


if __name__ == "__main__":
    main()
