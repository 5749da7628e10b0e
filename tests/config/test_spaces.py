"""Several Discord servers and Slack workspaces, one committee home: what the config
accepts and refuses (every refusal names its key)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.core.errors import ConfigError
from bot.core.identity import PlatformName
from config._reader import Table
from config.loader import load_settings
from config.spaces import Home, read_slack
from tests.config.test_cli import run

HOME_DISCORD = """
[discord]
guild_id = 1
staff_role_id = 2
staff_queue_channel_id = 3
committee_role_id = 4
counsel_role_id = 5
executive_role_id = 6
committee_channel_id = 7
executive_channel_id = 8
"""

SERVER_B = """
[[discord.servers]]
name = "Regional chapter"
guild_id = 11
staff_role_id = 12
staff_queue_channel_id = 13
suspended_role_id = 14
"""

SLACK = """
[slack]
team_id = "T1"
staff = ["U1"]
staff_queue_channel = "C1"
"""

WORKSPACE_2 = """
[[slack.workspaces]]
team_id = "T2"
bot_token_env = "SLACK_BOT_TOKEN_T2"
staff = ["S2"]
staff_queue_channel = "C2"
managed_channels = ["C20"]
"""


HOMED = "[committee]\nhome = 'discord'\n" + HOME_DISCORD


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "coc-bot.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, {})


def test_servers_each_have_their_own_staff_and_queue(tmp_path: Path) -> None:
    settings = load(tmp_path, "[committee]\nhome = 'discord'\n" + HOME_DISCORD + SERVER_B
                    + SLACK)
    discord = settings.discord
    assert discord is not None
    assert [s.guild_id for s in discord.all_servers] == [1, 11]
    b = discord.server("11")
    assert b is not None and b.staff_queue_channel_id == 13 and b.suspended_role_id == 14
    assert b.committee_channel_id is None and b.name == "Regional chapter"
    assert discord.home.guild_id == 1 and discord.server(99) is None
    assert settings.committee_home is PlatformName.DISCORD


def test_workspaces_are_read_per_workspace() -> None:
    """The shape of [[slack.workspaces]]: each its own staff, queue and token variable."""
    data = tomllib.loads(SLACK + WORKSPACE_2)
    slack = read_slack(Table(data["slack"], "slack"), Home(PlatformName.DISCORD))
    assert [w.team_id for w in slack.all_workspaces] == ["T1", "T2"]
    two = slack.workspace("T2")
    assert two is not None and two.bot_token_env == "SLACK_BOT_TOKEN_T2"
    assert two.managed_channels == ("C20",) and slack.workspace("T9") is None


def test_several_workspaces_are_served_with_tokens_from_the_variables_named(
        tmp_path: Path) -> None:
    """Tokens come from the environment variables the file names, never from the file;
    only those variables are kept, and a repr names them without their values."""
    path = tmp_path / "coc-bot.toml"
    path.write_text(HOMED + SLACK + WORKSPACE_2 + 'admin_token_env = "ADMIN_T2"\n',
                    encoding="utf-8")
    settings = load_settings(path, {"SLACK_BOT_TOKEN_T2": " xoxb-two ", "ADMIN_T2": "xoxp-2",
                                    "UNRELATED": "x"})
    assert settings.slack is not None
    two = settings.slack.workspace("T2")
    assert two is not None and two.admin_token_env == "ADMIN_T2"
    assert settings.secrets.named_value("SLACK_BOT_TOKEN_T2") == "xoxb-two"
    assert settings.secrets.named_value("ADMIN_T2") == "xoxp-2"
    assert settings.secrets.named_value("UNRELATED") is None
    assert "xoxb-two" not in repr(settings) and "SLACK_BOT_TOKEN_T2" in repr(settings.secrets)


def test_the_home_can_be_a_further_server(tmp_path: Path) -> None:
    server = SERVER_B + "committee_role_id = 15\ncounsel_role_id = 16\nexecutive_role_id = 17\n" \
        "committee_channel_id = 18\nexecutive_channel_id = 19\n"
    settings = load(tmp_path, "[committee]\nhome = 'discord:11'\n"
                    "[discord]\nguild_id = 1\nstaff_role_id = 2\nstaff_queue_channel_id = 3\n"
                    + server)
    assert settings.discord is not None and settings.discord.home.guild_id == 11
    assert settings.discord.home.committee_channel_id == 18
    assert settings.committee_space == "11"


def test_a_single_table_config_works_as_before(tmp_path: Path) -> None:
    settings = load(tmp_path, HOME_DISCORD)
    assert settings.discord is not None and settings.discord.servers == ()
    assert settings.discord.home is settings.discord
    assert settings.discord.server(1) is settings.discord


@pytest.mark.parametrize(("text", "message"), [
    (HOME_DISCORD + SERVER_B + SERVER_B,
     "'discord.servers[1].guild_id': server 11 is already configured "
     "('discord.servers[0].guild_id')"),
    (HOME_DISCORD + SERVER_B.replace("guild_id = 11", "guild_id = 1"),
     "'discord.servers[0].guild_id': server 1 is already configured ('discord.guild_id')"),
    (HOMED + SLACK + WORKSPACE_2.replace("T2", "T1"),
     "'slack.workspaces[0].team_id': workspace T1 is already configured"),
    (HOME_DISCORD + SERVER_B.replace("staff_queue_channel_id = 13\n", ""),
     "'discord.servers[0].staff_queue_channel_id' is required"),
    (HOMED + SLACK + WORKSPACE_2.replace('staff_queue_channel = "C2"\n', ""),
     "'slack.workspaces[0].staff_queue_channel' is required"),
    (HOMED + SLACK + WORKSPACE_2.replace('bot_token_env = "SLACK_BOT_TOKEN_T2"\n', ""),
     "'slack.workspaces[0].bot_token_env' is required"),
    (HOMED + SLACK + WORKSPACE_2.replace('"SLACK_BOT_TOKEN_T2"', '"xoxb-123"'),
     "'slack.workspaces[0].bot_token_env' must name an environment variable"),
    (HOMED + SLACK + WORKSPACE_2 + 'admin_token_env = "xoxp-123"\n',
     "'slack.workspaces[0].admin_token_env' must name an environment variable"),
    (HOMED + SLACK + WORKSPACE_2 + WORKSPACE_2,
     "'slack.workspaces[1].team_id': workspace T2 is already configured "
     "('slack.workspaces[0].team_id')"),
    (HOMED + SLACK + WORKSPACE_2 + 'committee_channel = "G2"\n',
     "'slack.workspaces[0].committee_channel': the committee meets in the home space"),
    ("[committee]\nhome = 'discord:99'\n" + HOME_DISCORD + SERVER_B,
     "'committee.home' names discord:99, which is not a configured server"),
    ("[committee]\nhome = 'slack'\n" + HOME_DISCORD, "'committee.home' is 'slack', but"),
    ("[committee]\nhome = 'discord:11'\n" + HOME_DISCORD + SERVER_B,
     "'discord.servers[0].committee_role_id' is required"),
    (HOME_DISCORD + SERVER_B + "committee_channel_id = 20\n",
     "'discord.servers[0].committee_channel_id': the committee meets in the home space"),
    ("[committee]\nhome = 'slack'\n" + SLACK,
     "'slack.committee_channel' is required"),
    (HOME_DISCORD + "[discord.servers]\nguild_id = 11\n",
     "'discord.servers' must be a list of tables, written [[discord.servers]]"),
    (HOME_DISCORD + SERVER_B + "suspend_role_id = 1\n",
     "unknown key(s) suspend_role_id in [discord.servers[0]]"),
])
def test_bad_spaces_are_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load(tmp_path, text)
    assert message in str(err.value)


SLACK_HOME = """
[committee]
home = "slack"

[slack]
team_id = "T1"
staff = ["U1"]
staff_queue_channel = "C1"
committee_channel = "G1"
executive_channel = "G2"
"""


def test_check_config_says_which_workspace_tokens_are_set_never_their_values(
        tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(SLACK_HOME + WORKSPACE_2, encoding="utf-8")
    env = {"SLACK_BOT_TOKEN": "xoxb-secret-one", "SLACK_SIGNING_SECRET": "s",
           "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite"}
    unset = run("--config", str(config), "check-config", env=env)
    assert unset.returncode == 0, unset.stderr
    assert "Slack workspace T1, the committee's home: SLACK_BOT_TOKEN set" in unset.stdout
    assert "Slack workspace T2: SLACK_BOT_TOKEN_T2 NOT SET" in unset.stdout
    both = run("--config", str(config), "check-config",
               env=env | {"SLACK_BOT_TOKEN_T2": "xoxb-secret-two"})
    assert "Slack workspace T2: SLACK_BOT_TOKEN_T2 set" in both.stdout
    assert "secret" not in both.stdout + both.stderr


def test_run_refuses_a_workspace_without_its_token_naming_the_variable(
        tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(SLACK_HOME + WORKSPACE_2, encoding="utf-8")
    result = run("--config", str(config), "run", env={
        "SLACK_BOT_TOKEN": "xoxb-one", "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_BASE": "http://127.0.0.1:9/api/",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite"})
    assert result.returncode == 2, result.stderr
    assert "Slack workspace T2 needs its bot token: set SLACK_BOT_TOKEN_T2" in result.stderr
    assert "Traceback" not in result.stderr

