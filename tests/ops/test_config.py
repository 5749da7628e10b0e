"""``[ops]``: off unless a port is set, every mistake refused with its key named."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot import cli
from bot.app import build_app
from bot.core.errors import ConfigError
from config.loader import load_settings

SLACK = """
[slack]
team_id = "T1"
staff_queue_channel = "CQ"
committee_channel = "GC"
executive_channel = "GE"
http_port = 3000
"""


def test_health_endpoints_are_off_unless_a_port_is_set() -> None:
    ops = load_settings(None, {}).ops
    assert not ops.serves and ops.health_host == "127.0.0.1"
    assert "off" in ops.describe()


def test_a_port_and_its_options_are_read(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, "[ops]\nhealth_port = 9464\n"
                                    "health_host = '::1'\nmax_action_lag_seconds = 60\n"), {})
    assert settings.ops.serves and settings.ops.health_port == 9464
    assert settings.ops.max_action_lag_seconds == 60.0
    assert settings.ops.describe().startswith("Health and metrics: http://[::1]:9464")
    assert settings.ops.outbox_lease_seconds == 60.0  # the default


async def test_the_outbox_lease_is_the_configured_one(tmp_path: Path) -> None:
    """A process that died mid-send holds its claims this long; the app's outbox is given
    the configured lease, not the built-in one."""
    settings = load_settings(_write(tmp_path, "[ops]\noutbox_lease_seconds = 7.5\n"),
                             {"DATABASE_URL": f"sqlite:///{tmp_path / 'lease.db'}"})
    app = await build_app(settings)
    try:
        assert app.services.outbox.lease == timedelta(seconds=7.5)
    finally:
        await app.close()


@pytest.mark.parametrize(("text", "message"), [
    ("[ops]\nhealth_port = 0\n", "'ops.health_port' must be at least 1"),
    ("[ops]\nhealth_port = 70000\n", "'ops.health_port' must be at most 65535"),
    ("[ops]\nhealth_port = '9464'\n", "'ops.health_port' must be a whole number"),
    ("[ops]\nhealth_port = 9464\nhealth_host = 'http://0.0.0.0'\n",
     "'ops.health_host' must be an address to listen on"),
    ("[ops]\nmax_action_lag_seconds = 0\n", "'ops.max_action_lag_seconds' must be at least 1"),
    ("[ops]\nhealth_prot = 9464\n", "unknown key(s) health_prot in [ops]"),
    ("[ops]\noutbox_lease_seconds = 1\n", "'ops.outbox_lease_seconds' must be at least 5"),
    ("[ops]\noutbox_lease_seconds = 600\n",
     "'ops.outbox_lease_seconds' must be at most 240"),
    (SLACK + "\n[ops]\nhealth_port = 3000\n",
     "'ops.health_port' is 3000, the port 'slack.http_port' already uses"),
])
def test_a_bad_ops_table_is_refused_naming_the_key(tmp_path: Path, text: str,
                                                   message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_write(tmp_path, text), {})
    assert message in str(caught.value)


def test_check_config_says_where_health_is_served(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "[ops]\nhealth_port = 9464\n")
    assert cli.main(["--config", str(path), "check-config"]) == 0
    out = capsys.readouterr().out
    assert "Health and metrics: http://127.0.0.1:9464 (/healthz, /readyz, /metrics)" in out


def test_check_config_refuses_a_clash_with_slack_http_mode(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, SLACK + "\n[ops]\nhealth_port = 3000\n")
    assert cli.main(["--config", str(path), "check-config"]) != 0
    assert "ops.health_port" in capsys.readouterr().err


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "coc-bot.toml"
    path.write_text(text, encoding="utf-8")
    return path
