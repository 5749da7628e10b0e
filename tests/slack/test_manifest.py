"""The manifest an admin pastes is generated (``coc-bot slack-manifest``) and lists every
command, shortcut and event the bot handles, under the configured prefix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.errors import ConfigError
from bot.slack_io.manifest import BOT_EVENTS, SHORTCUTS, SLASH_COMMANDS, manifest, to_yaml
from tests.slack.conftest import GENERAL, REPORTER, SlackWorld, make_world

ROOT = Path(__file__).resolve().parents[2]
REGISTERED = re.compile(r'bolt\.(command|shortcut|event)\("([^"]+)"\)')


def registered() -> list[tuple[str, str]]:
    found = []
    for path in (ROOT / "cogs" / "slack").glob("*.py"):
        found += REGISTERED.findall(path.read_text(encoding="utf-8"))
    return found


def test_the_committed_manifest_is_the_generated_one() -> None:
    committed = (ROOT / "slack-manifest.yml").read_text(encoding="utf-8")
    assert committed == to_yaml(manifest()), "run: coc-bot slack-manifest > slack-manifest.yml"


def test_the_manifest_lists_everything_the_listeners_register() -> None:
    found = registered()
    assert len(found) >= 19
    catalogue = {"command": {c[0] for c in SLASH_COMMANDS},
                 "shortcut": {s[1] for s in SHORTCUTS},
                 # Bolt's "message" listener hears message.channels and message.groups
                 "event": {e.value.split(".")[0] for e in BOT_EVENTS}}
    for kind, name in found:
        assert name in catalogue[kind], f"{kind} {name} missing from bot/slack_io/manifest.py"
    text = to_yaml(manifest())
    for kind, name in found:
        expected = {"command": f"- command: {name}\n", "shortcut": f"callback_id: {name}\n",
                    "event": f"- {name}"}[kind]
        assert expected in text, f"{kind} {name} missing from the manifest"
    assert "socket_mode_enabled: true" in text
    assert "home_tab_enabled: true" in text
    assert "url:" not in text  # Socket Mode needs no request URL


def test_http_mode_points_every_request_url_at_the_bot() -> None:
    data = manifest(prefix="coc-", url="https://coc.example.org/")
    endpoint = "https://coc.example.org/slack/events"
    commands = data["features"]["slash_commands"]
    assert {c["command"] for c in commands} == {f"/coc-{c[0][1:]}" for c in SLASH_COMMANDS}
    assert all(c["url"] == endpoint for c in commands)
    settings = data["settings"]
    assert settings["event_subscriptions"]["request_url"] == endpoint
    assert settings["interactivity"]["request_url"] == endpoint
    assert settings["socket_mode_enabled"] is False


@pytest.mark.parametrize("prefix", ["COC-", "coc bot", "c/", "x" * 17])
def test_a_prefix_slack_would_refuse_is_refused(prefix: str) -> None:
    with pytest.raises(ConfigError, match="prefix"):
        manifest(prefix=prefix)


@pytest.mark.parametrize("url", ["http://coc.example.org", "coc.example.org", "https://"])
def test_a_request_url_slack_would_refuse_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="https"):
        manifest(url=url)


def test_the_command_prints_it(capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no ./coc-bot.toml here
    monkeypatch.delenv("COC_BOT_CONFIG", raising=False)
    assert main(["slack-manifest", "--url", "https://coc.example.org",
                 "--prefix", "coc-"]) == 0
    out = capsys.readouterr().out
    assert "- command: /coc-report\n" in out
    assert "request_url: https://coc.example.org/slack/events" in out
    assert main(["slack-manifest", "--prefix", "Bad Prefix"]) == 2


async def test_commands_answer_under_the_configured_prefix(tmp_path: Path) -> None:
    async for world in make_world(tmp_path, extra_config='command_prefix = "coc-"\n'):
        await _report_form(world, "/coc-report")
        assert world.fake.called("views.open"), "the prefixed command is handled"
        world.fake.reset()
        status = await world.command("/report", "", user=REPORTER, channel=GENERAL)
        assert status == 404 and not world.fake.calls  # not this app's command any more


async def _report_form(world: SlackWorld, command: str) -> None:
    assert await world.command(command, "", user=REPORTER, channel=GENERAL) == 200
