"""Secrets never show: not in a repr, not in check-config, not in a refusal.

Every environment variable ``config/settings.py`` reads is set to a recognisable canary
(a URL's password for the URL-valued ones), so a variable added later is covered too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.cli import main
from config.loader import load_settings
from tests.storage.test_url import BAD

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.toml"
CANARY = "CANARY7f3a"
URL_VARIABLES = {"DISCORD_API_BASE", "DISCORD_GATEWAY_URL", "SLACK_API_BASE", "DATABASE_URL"}


def variables_read() -> list[str]:
    source = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    found = re.findall(r'get\("([A-Z_]+)"\)', source)
    assert {"DISCORD_TOKEN", "SLACK_BOT_TOKEN", "DATABASE_URL"} <= set(found)
    return found


def canary_environment(database_url: str) -> dict[str, str]:
    env = {}
    for name in variables_read():
        if name in URL_VARIABLES:
            env[name] = f"https://operator:{CANARY}-{name}@proxy.example/{name.lower()}"
        else:
            env[name] = f"{CANARY}-{name}"
    env["DATABASE_URL"] = database_url
    return env


def test_repr_and_str_of_the_settings_show_no_secret() -> None:
    env = canary_environment(f"postgresql://coc:{CANARY}@db.example/coc")
    settings = load_settings(EXAMPLE, env)
    assert settings.secrets.discord_token == f"{CANARY}-DISCORD_TOKEN"  # really loaded
    for shown in (repr(settings), str(settings), repr(settings.secrets),
                  str(settings.secrets), f"{settings.secrets!r}"):
        assert CANARY not in shown
    text = repr(settings.secrets)
    assert "discord_token='***'" in text and "postgresql://coc:***@db.example/coc" in text
    assert "https://operator:***@proxy.example/slack_api_base" in text
    assert repr(load_settings(EXAMPLE, {}).secrets).count("=None") >= 5


def test_check_config_shows_which_secrets_are_set_never_their_values(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "bot.db"
    for name, value in canary_environment(f"sqlite:///{db}").items():
        monkeypatch.setenv(name, value)
    assert main(["--log-level", "DEBUG", "check-config", "--config", str(EXAMPLE)]) == 0
    out, err = capsys.readouterr()
    assert CANARY not in out + err
    assert f"Database: SQLite file {db}" in out
    assert "token set" in out


def test_check_config_on_an_unreachable_postgresql_names_it_without_the_password(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    import storage.postgres

    monkeypatch.setattr(storage.postgres, "CONNECT_ATTEMPTS", 2)
    monkeypatch.setattr(storage.postgres, "FIRST_BACKOFF_SECONDS", 0.0)
    with socket.socket() as sock:  # bound, never listening: the connection is refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        monkeypatch.setenv("DATABASE_URL", f"postgresql://coc:{CANARY}@127.0.0.1:{port}/coc")
        assert main(["check-config", "--config", str(EXAMPLE)]) != 0
    out, err = capsys.readouterr()
    assert CANARY not in out + err
    assert f"Database: PostgreSQL database coc on 127.0.0.1:{port} as coc" in out
    assert f"Could not reach PostgreSQL database coc on 127.0.0.1:{port}" in err
    assert "Traceback" not in err


REFUSED = [url for url, _ in BAD if url.strip()]  # a blank DATABASE_URL means the default


@pytest.mark.parametrize("url", REFUSED)
def test_check_config_refuses_exactly_what_run_refuses(
        url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # a URL run accepted by mistake would create a file here
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    assert main(["check-config", "--config", str(EXAMPLE)]) == 2
    checked = capsys.readouterr()
    assert main(["run", "--config", str(EXAMPLE)]) == 2
    ran = capsys.readouterr()
    assert checked.err == ran.err and "DATABASE_URL" in checked.err
    assert not checked.out and "secret" not in checked.err
    assert list(tmp_path.iterdir()) == []
