"""``[discord.native_automod]``: refused with the key named when it cannot mean what it
says; ``check-config`` says what goes to Discord AutoMod and what does not fit."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import ConfigError
from config.loader import load_settings

DISCORD = """
[discord]
guild_id = 1
staff_role_id = 2
committee_role_id = 3
counsel_role_id = 4
executive_role_id = 5
staff_queue_channel_id = 6
committee_channel_id = 7
executive_channel_id = 8

[discord.native_automod]
enabled = true
"""


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "coc-bot.toml"
    path.write_text(DISCORD + text, encoding="utf-8")
    return load_settings(path, {})


@pytest.mark.parametrize(("text", "message"), [
    ('categories = ["slurz"]\n',
     "'discord.native_automod.categories': 'slurz' is not a keyword list of [automod]"),
    ('categories = ["hate-review"]\n', "'hate-review' only alerts staff in [automod]"),
    ('categories = ["profanity"]\n', "'profanity' only alerts staff in [automod]"),
    ('categories = ["political"]\n', "'political' only alerts staff"),
    # Discord would block every "oh shit", where the bot alerts only on aimed swearing.
    ('categories = ["expletives"]\n[automod.rules.expletives]\naction = "remove_and_explain"\n',
     "'expletives' acts only on words aimed at a person"),
    ("categories = []\n", "'discord.native_automod.categories' is empty"),
    ('categories = ["hate-slurs", "hate-slurs"]\n', "names hate-slurs more than once"),
    ('timeout = "30d"\n', "'discord.native_automod.timeout': Discord AutoMod times out"),
    ('timeout = "soon"\n', "'discord.native_automod.timeout': 'soon' is not a duration"),
    ("alert_channel_id = 'general'\n", "'discord.native_automod.alert_channel_id' must be"),
    ("enabeld = true\n", "unknown key(s) enabeld in [discord.native_automod]"),
])
def test_bad_native_automod_config_names_the_key(tmp_path: Path, text: str,
                                                 message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load(tmp_path, text)
    assert message in str(err.value)


def test_a_list_staff_made_removing_may_go_native(tmp_path: Path) -> None:
    settings = load(tmp_path, 'categories = ["profanity", "hate-slurs"]\ntimeout = "10m"\n'
                    '[automod.rules.profanity]\naction = "remove_and_explain"\n')
    assert settings.discord is not None
    native = settings.discord.native_automod
    assert native.categories == ("profanity", "hate-slurs")
    assert native.timeout is not None and native.timeout.total_seconds() == 600


def test_check_config_says_what_goes_native_and_what_does_not_fit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    threats = ", ".join(f'"threat{n}"' for n in range(300))
    path = tmp_path / "coc-bot.toml"
    path.write_text(DISCORD + 'categories = ["sexual", "profanity", "hate-slurs", '
                    '"harassment"]\n[automod.rules.sexual]\naction = "remove_and_explain"\n'
                    '[automod.rules.profanity]\naction = "remove_and_explain"\n'
                    '[automod.rules.hate-slurs]\nwords = ["zorblax"]\n'
                    '[automod.rules.harassment]\nwords = [' + threats + ']\n',
                    encoding="utf-8")
    assert main(["check-config", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Discord native AutoMod: 6 rules: sexual (1/3) (1000 keywords)" in out
    assert "hate-slurs (511 keywords), harassment (1000 keywords)" in out
    assert ("Discord native AutoMod: 309 keywords of category harassment did not fit in "
            "Discord AutoMod; they stay with the bot's own automod") in out


def test_check_config_says_off_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    example = Path(__file__).resolve().parents[2] / "config" / "example.toml"
    assert main(["check-config", "--config", str(example)]) == 0
    assert "Discord native AutoMod: off" in capsys.readouterr().out
