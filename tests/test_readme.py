"""The README's operator instructions stay true to what the code and tests rely on."""

from __future__ import annotations

import re
from pathlib import Path

from bot.discord_io.client import intents
from tests.fakes.discord.server import BOT_PERMISSIONS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_the_invite_url_asks_for_the_permissions_the_tests_grant() -> None:
    found = re.search(r"permissions=(\d+)", README)
    assert found and int(found.group(1)) == BOT_PERMISSIONS


def test_the_privileged_intents_named_are_the_ones_requested() -> None:
    wanted = intents()
    assert wanted.members and "Server Members Intent" in README
    assert wanted.message_content and "Message Content Intent" in README


def test_every_environment_variable_read_is_documented() -> None:
    source = (Path(__file__).resolve().parents[1] / "config" / "settings.py").read_text()
    for name in re.findall(r'get\("([A-Z_]+)"\)', source):
        assert f"`{name}`" in README, f"{name} is read but not documented in README"


def _service_unit() -> dict[str, list[str]]:
    block = re.search(r"```ini\n# /etc/systemd/system/coc-bot.service\n(.*?)```", README,
                      re.DOTALL)
    assert block, "the README shows a systemd unit"
    settings: dict[str, list[str]] = {}
    for line in block.group(1).splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_the_systemd_unit_keeps_the_case_log_private_and_is_not_restarted_empty() -> None:
    from bot.cli import EXIT_DATABASE_LOST

    unit = _service_unit()
    assert unit["UMask"] == ["0077"]
    assert unit["StateDirectory"] == ["coc-bot"] and unit["StateDirectoryMode"] == ["0700"]
    assert unit["User"] == ["coc-bot"], "the bot must not run as root"
    environment = " ".join(unit["Environment"])
    assert "DATABASE_URL=sqlite:////var/lib/coc-bot/coc-bot.db" in environment
    assert unit["RestartPreventExitStatus"] == [str(EXIT_DATABASE_LOST)]


def test_the_shipped_unit_is_the_one_the_readme_shows_and_talks_to_systemd() -> None:
    block = re.search(r"```ini\n(# /etc/systemd/system/coc-bot.service\n.*?)```", README,
                      re.DOTALL)
    shipped = Path(__file__).resolve().parents[1] / "deploy" / "coc-bot.service"
    assert block and shipped.read_text() == block.group(1)
    unit = _service_unit()
    assert unit["Type"] == ["notify"] and unit["NotifyAccess"] == ["main"]
    assert unit["WatchdogSec"] and unit["ExecStart"][0].endswith("coc-bot run")


def test_every_metric_the_bot_exports_is_documented() -> None:
    from bot.ops.metrics import Metrics

    ours = [m.name for m in Metrics().registry.collect() if m.name.startswith("coc_bot_")]
    assert len(ours) >= 10
    for name in ours:
        shown = f"{name}_total" if f"`{name}_total`" in README else name
        assert f"`{shown}`" in README, f"{name} is exported but not in the README"
