"""The optional abusive-language classifier: hashed n-grams and a linear model, shipped.

Why this shape: the weights are trained here from openly licensed data
(``benchmarks/train_toxicity.py``, with scikit-learn) and shipped in ``bot/ml/data``, so
nothing is downloaded at run time; the features are the stateless ``HashingVectorizer``'s
(no vocabulary to ship), so the model is a sparse weight vector of about 200 kB. At run
time only ``mmh3`` is needed (the ``ml`` extra): the bot computes the same hashed n-grams
itself, per message, in a fraction of a millisecond. The file's checksum is in its
metadata and checked on load: a damaged or swapped model is refused, not used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import chain, pairwise, repeat
from operator import mul
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.automod import AutomodConfig
from bot.core.automod._classifier import MODEL, TextClassifier
from bot.core.errors import ConfigError

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
MODEL_NAME = "toxicity"
FORMAT = 1
# Characters 2-4 within word boundaries catch spelling games ("f4g", "n1gg") after folding;
# word 1-2 grams carry meaning ("go back to"). Two hash spaces, side by side.
CHAR_FEATURES = 2 ** 19
WORD_FEATURES = 2 ** 18
INSTALL_HINT = "pip install 'coc-bot[ml]'"


class Featurizer:
    """scikit-learn's ``HashingVectorizer`` pair, for training and batch evaluation."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self._char = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4),
                                       n_features=CHAR_FEATURES, alternate_sign=False)
        self._word = HashingVectorizer(analyzer="word", ngram_range=(1, 2),
                                       n_features=WORD_FEATURES, alternate_sign=False,
                                       token_pattern=WORD_PATTERN)

    def rows(self, folded: list[str]) -> csr_matrix:
        from scipy.sparse import hstack

        return hstack([self._char.transform(folded), self._word.transform(folded)]).tocsr()

    @staticmethod
    def params() -> dict[str, Any]:
        """What the metadata records, so a model trained with other features is refused."""
        return {"char": ["char_wb", 2, 4, CHAR_FEATURES], "word": ["word", 1, 2, WORD_FEATURES],
                "alternate_sign": False, "norm": "l2"}


class OneMessage:
    """The same features as :class:`Featurizer` for one message, without scikit-learn.

    Why by hand: ``HashingVectorizer.transform`` costs milliseconds per call in input checks
    and sparse-matrix building, which a chat bot would pay per message. The n-grams and
    MurmurHash3 buckets below are the vectorizer's own definition (a test compares the two
    on arbitrary text); a word's character buckets are remembered, since chat repeats its
    words, so a typical message costs a few hashes.
    """

    _CACHE_LIMIT = 50_000

    def __init__(self) -> None:
        import mmh3

        self._hash = mmh3.hash
        self._words: dict[str, tuple[int, ...]] = {}

    def features(self, folded: str) -> dict[int, float]:
        """Bucket → l2-normalised count, char buckets first, word buckets offset after."""
        out: dict[int, float] = {}
        for counts in self.counts(folded):
            norm = _norm(counts)
            out.update((index, count / norm) for index, count in counts.items())
        return out

    def counts(self, folded: str) -> tuple[Counter[int], Counter[int]]:
        """The raw counts per bucket: character n-grams, then word n-grams."""
        text = folded.lower()
        chars = Counter(chain.from_iterable(
            map(self._word_buckets, _WHITESPACE.sub(" ", text).split())))
        words = Counter(self._bucket(gram, WORD_FEATURES) + CHAR_FEATURES
                        for gram in _word_grams(text))
        return chars, words

    def _word_buckets(self, word: str) -> tuple[int, ...]:
        found = self._words.get(word)
        if found is None:
            if len(self._words) >= self._CACHE_LIMIT:
                self._words.clear()
            found = self._words[word] = tuple(self._bucket(gram, CHAR_FEATURES)
                                              for gram in _char_wb_grams(word))
        return found

    def _bucket(self, gram: str, width: int) -> int:
        h = self._hash(gram.encode("utf-8", "surrogatepass"), 0, True)
        return (2147483647 - (width - 1)) % width if h == -2147483648 else abs(h) % width


def _norm(counts: Counter[int]) -> float:
    values = counts.values()
    return math.sqrt(sum(map(mul, values, values)))


_MARKUP = re.compile(r"<[@#!][^<>\s]*>|@(?:everyone|here)\b")
_WHITESPACE = re.compile(r"\s\s+")
WORD_PATTERN = r"(?u)\b\w+\b"
_WORDS = re.compile(WORD_PATTERN)


def _char_wb_grams(word: str) -> list[str]:
    """``HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4))``'s n-grams of a word."""
    grams: list[str] = []
    padded = f" {word} "
    size = len(padded)
    for n in (2, 3, 4):
        grams.append(padded[:n])
        grams.extend(padded[i:i + n] for i in range(1, size - n + 1))
        if size <= n:  # a short word counts once, like scikit-learn's
            break
    return grams


def _word_grams(text: str) -> list[str]:
    """``HashingVectorizer(analyzer="word", ngram_range=(1, 2))``'s n-grams."""
    words = _WORDS.findall(text)
    return words + [f"{a} {b}" for a, b in pairwise(words)]


@dataclass(frozen=True, slots=True)
class ModelFiles:
    weights: Path
    metadata: Path

    @classmethod
    def named(cls, name: str = MODEL_NAME, folder: Path = DATA_DIR) -> ModelFiles:
        return cls(folder / f"{name}.npz", folder / f"{name}.json")


class ToxicityModel:
    """A trained linear model over :class:`Featurizer` rows; implements ``TextClassifier``."""

    def __init__(self, weights: dict[int, float], intercept: float,
                 metadata: dict[str, Any]) -> None:
        self._features = OneMessage()
        self._weights = weights  # only the buckets the model kept
        self._intercept = intercept
        self.metadata = metadata

    def score(self, folded: str) -> float:
        """Platform markup (``<@id>``, ``<#id>``, ``<!channel>``, ``@everyone``) is dropped
        first: the model never saw it in training, and its digits read as ordinary chat,
        so appending a few mentions would otherwise talk a score down."""
        logit = self._intercept
        weight = self._weights.get
        for counts in self._features.counts(_MARKUP.sub(" ", folded)):
            if counts:  # the dot product with l2-normalised counts, in C-level loops
                dot = sum(map(mul, counts.values(), map(weight, counts.keys(), repeat(0.0))))
                logit += dot / _norm(counts)
        return 1.0 / (1.0 + math.exp(-logit)) if logit > -700 else 0.0


def load_model(files: ModelFiles | None = None) -> ToxicityModel:
    """Read and check the shipped model. Raises ``ImportError`` without the ``ml`` extra and
    :class:`ConfigError` for a missing, damaged or incompatible model file."""
    import numpy as np

    files = files or ModelFiles.named()
    import mmh3  # noqa: F401  (the ImportError comes first: the extra is the usual cause)

    try:
        metadata = json.loads(files.metadata.read_text("utf-8"))
        blob = files.weights.read_bytes()
    except (OSError, ValueError) as exc:
        raise ConfigError(f"the toxicity model in {files.metadata.parent} cannot be read "
                          f"({exc}); reinstall coc-bot or turn rule '{MODEL}' off.") from exc
    if hashlib.sha256(blob).hexdigest() != metadata.get("sha256"):
        raise ConfigError(f"the toxicity model {files.weights.name} does not match the "
                          "checksum in its metadata; reinstall coc-bot or turn rule "
                          f"'{MODEL}' off.")
    if metadata.get("format") != FORMAT or metadata.get("features") != Featurizer.params():
        raise ConfigError(f"the toxicity model {files.weights.name} was trained with other "
                          "features than this version reads; retrain it with "
                          "benchmarks/train_toxicity.py.")
    with np.load(files.weights) as arrays:
        weights = dict(zip(arrays["indices"].tolist(), arrays["values"].tolist(), strict=True))
    return ToxicityModel(weights, float(metadata["intercept"]), metadata)


def dense_weights(files: ModelFiles | None = None) -> Any:
    """The weights as one vector over :class:`Featurizer` columns, for scoring scikit-learn's
    rows in batch (training checks, evaluation), where the bot itself keeps a dict."""
    import numpy as np

    weights = np.zeros(CHAR_FEATURES + WORD_FEATURES)
    with np.load((files or ModelFiles.named()).weights) as arrays:
        weights[arrays["indices"]] = arrays["values"]
    return weights


def wanted(config: AutomodConfig) -> bool:
    """Whether the model rule is on anywhere (globally or in some profile)."""
    settings = config.rules.get(MODEL)
    return bool(config.enabled and settings is not None and (
        settings.enabled or any(MODEL in p.enable for p in config.profiles.values())))


def classifier_for(config: AutomodConfig) -> TextClassifier | None:
    """The model when the configuration uses it and the extra is installed; otherwise
    ``None``, said once in the log, so automod goes on with its rules."""
    if not wanted(config):
        return None
    try:
        model = load_model()
    except ImportError:
        log.warning("automod: rule '%s' is on but the ml extra is not installed (%s); "
                    "going on with the rule-based detectors only", MODEL, INSTALL_HINT)
        return None
    log.info("automod: toxicity model loaded (%s)", model.metadata.get("trained_on", "?"))
    return model


def model_status(config: AutomodConfig) -> str:
    """For ``check-config``: whether the model is used, and whether it can be. A damaged
    model file raises :class:`ConfigError` here, before the bot is started with it."""
    if not wanted(config):
        return ""
    try:
        model = load_model()
    except ImportError:
        return (f"; rule '{MODEL}' is on but the ml extra is not installed ({INSTALL_HINT}): "
                "the bot will run without it")
    return (f"; toxicity model alerts at score {config.model_threshold:g} "
            f"(held-out F1 {_held_out_f1(model, config.model_threshold)})")


def _held_out_f1(model: ToxicityModel, threshold: float) -> str:
    figures = model.metadata.get("held_out", {}).get(f"{threshold:.2f}")
    return f"{figures['abusive_f1']:.3f}" if figures else "not measured at this threshold"
