"""The announcements channel: optional, validated, never one of the private channels."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import ConfigError
from bot.core.identity import PlaceRef, PlatformName
from bot.frontends import announcements
from config.loader import load_settings

EXAMPLE = (Path(__file__).resolve().parents[2] / "config" / "example.toml").read_text()


def settings_with(tmp_path: Path, discord: str = "", slack: str = ""):  # type: ignore[no-untyped-def]
    text = EXAMPLE.replace("[discord]", f"[discord]\n{discord}", 1) \
        .replace("[slack]", f"[slack]\n{slack}", 1)
    path = tmp_path / "coc-bot.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, {})


def test_absent_means_publishing_is_not_configured(tmp_path: Path) -> None:
    assert announcements(settings_with(tmp_path)) == {}


def test_both_platforms_publish_where_configured(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, "announcements_channel_id = 121212121212121212",
                             'announcements_channel = "C0ANNOUNCE"')
    assert announcements(settings) == {
        PlatformName.DISCORD: PlaceRef(PlatformName.DISCORD, "111111111111111111",
                                       "121212121212121212"),
        PlatformName.SLACK: PlaceRef(PlatformName.SLACK, "T00000000", "C0ANNOUNCE")}


@pytest.mark.parametrize(("discord", "slack", "message"), [
    ("announcements_channel_id = 888888888888888888", "", "private channels"),
    ("announcements_channel_id = \"general\"", "", "must be a Discord id"),
    ("", 'announcements_channel = "#announcements"', "must be a Slack channel id"),
    ("", 'announcements_channel = "G00000002"', "private channels"),
])
def test_a_bad_announcements_channel_is_refused(tmp_path: Path, discord: str, slack: str,
                                                message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_with(tmp_path, discord, slack)
