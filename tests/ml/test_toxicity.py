"""The shipped toxicity model: it loads, it separates abuse from ordinary chat, the bot's
own feature code equals scikit-learn's that trained it, a damaged file is refused, and a
missing extra degrades to the rules with one log line."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.automod_factory import build_automod
from bot.cli import _automod_line
from bot.core.automod import MODEL, fold, load_automod
from bot.core.errors import ConfigError
from bot.ml import toxicity
from bot.ml.toxicity import Featurizer, ModelFiles, OneMessage, classifier_for, load_model
from config.loader import load_settings
from config.settings import Settings
from tests.core.automod.conftest import message

ON = {"rules": {MODEL: {"enabled": True}}}
ABUSE = ["shut up you stupid bitch", "all these hoes are trash",
         "YOU ARE A STUPID BITCH", "fuck you faggot"]
CHAT = ["Has anyone read the new cataloguing rules?", "Meeting at 3pm in room 204, see you there",
        "the server crashed again, kill the process and restart it",
        "thanks for the help with the ISBN lookup", "I hate mondays",
        "Our branch is hosting a story time for toddlers on Saturday"]


def with_automod(data: dict[str, object]) -> Settings:
    return replace(load_settings(None), automod=load_automod(data))


@pytest.fixture(scope="module")
def model() -> toxicity.ToxicityModel:
    return load_model()


def test_abuse_scores_high_and_library_chat_low(model: toxicity.ToxicityModel) -> None:
    assert min(model.score(fold(t)) for t in ABUSE) > 0.9
    assert max(model.score(fold(t)) for t in CHAT) < 0.2


@pytest.mark.parametrize("markup", [
    " <@111111111111111111> <@&222222222222222222>", " <!channel> @everyone @here",
    " <#333333333333333333> <@U0123ABCD> <!subteam^S123>"])
def test_mentions_and_pings_appended_do_not_talk_the_score_down(
        model: toxicity.ToxicityModel, markup: str) -> None:
    for text in ("ur such a dumb ho", *ABUSE):
        assert model.score(fold(text + markup)) == pytest.approx(model.score(fold(text)))
    assert model.score(fold(CHAT[0] + markup)) < 0.2


def test_the_metadata_names_its_data_and_its_held_out_figures(
        model: toxicity.ToxicityModel) -> None:
    meta = model.metadata
    assert {"davidson-2017", "ubuntu-irc-2019"} <= set(meta["datasets"])
    assert all(d["licence"] and len(d["sha256"]) == 64 for d in meta["datasets"].values())
    shipped = meta["held_out"]["0.50"]
    assert shipped["abusive_f1"] >= 0.9 and shipped["benign_chat_flagged"] <= 0.003


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=120))
def test_the_bot_computes_exactly_the_features_the_model_was_trained_on(text: str) -> None:
    folded = fold(text)
    ours = OneMessage().features(folded)
    row = Featurizer().rows([folded])
    theirs = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
    assert ours.keys() == theirs.keys()
    assert all(abs(ours[k] - theirs[k]) < 1e-12 for k in ours)


def test_scores_equal_the_trained_linear_model(model: toxicity.ToxicityModel) -> None:
    import numpy as np

    weights = toxicity.dense_weights()
    texts = [fold(t) for t in ABUSE + CHAT + ["", "   ", "a", "ok ok ok ok"]]
    logits = Featurizer().rows(texts) @ weights + model.metadata["intercept"]
    expected = 1 / (1 + np.exp(-logits))
    assert [round(model.score(t), 9) for t in texts] == [round(float(v), 9) for v in expected]


def copy_model(tmp_path: Path) -> ModelFiles:
    shipped = ModelFiles.named()
    copied = ModelFiles.named(folder=tmp_path)
    shutil.copy(shipped.weights, copied.weights)
    shutil.copy(shipped.metadata, copied.metadata)
    return copied


def test_a_damaged_model_file_is_refused(tmp_path: Path) -> None:
    files = copy_model(tmp_path)
    blob = bytearray(files.weights.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    files.weights.write_bytes(bytes(blob))
    with pytest.raises(ConfigError, match="does not match the checksum"):
        load_model(files)


def test_a_model_trained_on_other_features_is_refused(tmp_path: Path) -> None:
    files = copy_model(tmp_path)
    meta = json.loads(files.metadata.read_text())
    meta["features"]["char"][3] = 2 ** 20
    files.metadata.write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match="other features"):
        load_model(files)


def test_a_missing_model_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="reinstall coc-bot or turn rule"):
        load_model(ModelFiles.named(folder=tmp_path))


def test_without_the_extra_automod_goes_on_with_its_rules(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "mmh3", None)  # import mmh3 now raises ImportError
    settings_ = with_automod(ON)
    with caplog.at_level(logging.INFO, logger="bot.ml.toxicity"):
        automod = build_automod(settings_)
    [line] = [r for r in caplog.records if r.name == "bot.ml.toxicity"]
    assert line.levelno == logging.WARNING and "pip install 'coc-bot[ml]'" in line.getMessage()
    assert [d.rule_id for d in automod.scan(message("mail me at x@example.com"))] \
        == ["pii-email"]
    assert "the ml extra is not installed" in _automod_line(settings_)


def test_the_model_is_loaded_only_when_a_rule_uses_it() -> None:
    assert classifier_for(load_automod({})) is None
    assert classifier_for(load_automod(ON)) is not None
    profiled = load_automod({"profiles": {"discord:1:2": {"enable": [MODEL]}}})
    assert classifier_for(profiled) is not None
    assert classifier_for(load_automod({**ON, "enabled": False})) is None


def test_check_config_says_what_the_model_does() -> None:
    line = _automod_line(with_automod(
        {"rules": {MODEL: {"enabled": True, "threshold": 0.7}}}))
    assert "toxicity model alerts at score 0.7 (held-out F1 0.9" in line


def test_the_built_engine_alerts_staff_on_abuse_and_passes_chat() -> None:
    automod = build_automod(with_automod(ON))
    found = {d.rule_id: d for d in automod.scan(message("shut up you stupid bitch"))}
    assert found[MODEL].action.value == "alert_staff"
    assert automod.scan(message(CHAT[0])) == []
