"""Gateway sharding in ``[discord]``: a wrong shard layout is refused with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.core.errors import ConfigError
from bot.discord_io.client import home_shard
from config.loader import load_settings
from config.settings import DiscordSettings

DISCORD = """
[discord]
guild_id = 111111111111111111
staff_role_id = 2
committee_role_id = 3
counsel_role_id = 4
executive_role_id = 5
staff_queue_channel_id = 6
committee_channel_id = 7
executive_channel_id = 8
"""


def load(tmp_path: Path, extra: str) -> DiscordSettings:
    path = tmp_path / "coc-bot.toml"
    path.write_text(DISCORD + extra, encoding="utf-8")
    discord = load_settings(path, {}).discord
    assert discord is not None
    return discord


def test_one_shard_without_leases_is_the_default(tmp_path: Path) -> None:
    discord = load(tmp_path, "")
    assert (discord.shard_count, discord.shard_ids, discord.shard_leases) == (1, None, False)


def test_a_layout_is_read(tmp_path: Path) -> None:
    discord = load(tmp_path, "shard_count = 4\nshard_ids = [3, 1]\nshard_leases = true\n")
    assert (discord.shard_count, discord.shard_ids, discord.shard_leases) == (4, (1, 3), True)


@pytest.mark.parametrize(("extra", "message"), [
    ("shard_count = 0\n", "'discord.shard_count' must be at least 1"),
    ("shard_count = 2\nshard_ids = [0, 2]\n", "'discord.shard_ids' names shard 2, but "
                                              "'discord.shard_count' is 2"),
    ("shard_ids = [1]\n", "'discord.shard_ids' names shard 1"),
    ("shard_count = 2\nshard_ids = [1, 1]\n", "'discord.shard_ids' names a shard twice"),
    ("shard_count = 2\nshard_ids = []\n", "'discord.shard_ids' must be a list of shard"),
    ("shard_count = 2\nshard_ids = 1\n", "'discord.shard_ids' must be a list of shard"),
    ("shard_leases = \"yes\"\n", "'discord.shard_leases' must be true or false"),
])
def test_a_bad_layout_is_refused_naming_the_key(tmp_path: Path, extra: str,
                                                message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, extra)
    assert message in str(caught.value)


def test_the_home_shard_follows_discords_formula() -> None:
    guild = 111111111111111111
    assert home_shard(guild, 1) == 0
    assert home_shard(guild, 16) == (guild >> 22) % 16


@pytest.mark.parametrize(("extra", "key"), [
    ("shard_count = 2\nshard_ids = [0, 2]\n", "discord.shard_ids"),
    ("shard_count = 0\n", "discord.shard_count"),
])
def test_check_config_refuses_a_shard_layout_that_does_not_match(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, key: str) -> None:
    path = tmp_path / "coc-bot.toml"
    path.write_text(DISCORD + extra, encoding="utf-8")
    assert cli.main(["--config", str(path), "check-config"]) != 0
    err = capsys.readouterr().err
    assert f"'{key}'" in err, err


def test_check_config_accepts_a_layout_that_matches(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "coc-bot.toml"
    path.write_text(DISCORD + "shard_count = 2\nshard_ids = [1]\nshard_leases = true\n",
                    encoding="utf-8")
    assert cli.main(["--config", str(path), "check-config"]) == 0, capsys.readouterr().err
