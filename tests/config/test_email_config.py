"""``[email]``: off unless present; the password only from the environment; every mistake
refused with its key named; check-config says where e-mail goes, never the password."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.core.errors import ConfigError
from bot.core.ports import NoticeKind
from config.loader import load_settings

GOOD = """
[email]
host = "smtp.example.org"
from = "conduct@example.org"
username = "bot"
"""
SECRET = "hunter2-smtp-secret"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "coc-bot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_email_is_off_unless_configured() -> None:
    assert load_settings(None, {}).email is None


def test_a_good_table_is_read_with_its_defaults(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, GOOD + 'always = ["decision_dm"]\n'),
                             {"COC_BOT_SMTP_PASSWORD": SECRET})
    email = settings.email
    assert email is not None and email.port == 587 and email.security == "starttls"
    assert email.reach.always == frozenset({NoticeKind.DECISION_DM})
    assert NoticeKind.REMOVAL_DM in email.reach.fallback
    assert settings.secrets.smtp_password == SECRET and SECRET not in repr(settings)


@pytest.mark.parametrize(("text", "env", "message"), [
    (GOOD + 'password = "x"\n', {"COC_BOT_SMTP_PASSWORD": SECRET},
     "'email.password': the SMTP password is never read from the file"),
    (GOOD, {}, "'email.username' is set but the environment variable COC_BOT_SMTP_PASSWORD"),
    ('[email]\nhost = "smtp.example.org"\nfrom = "conduct@example.org"\n',
     {"COC_BOT_SMTP_PASSWORD": SECRET}, "COC_BOT_SMTP_PASSWORD is set but config key "
                                        "'email.username' is not"),
    ('[email]\nfrom = "conduct@example.org"\n', {}, "email.host"),
    ('[email]\nhost = "smtp.example.org"\nfrom = "not an address"\n', {},
     "'email.from': 'not an address' is not an e-mail address"),
    ('[email]\nhost = "smtp.example.org"\nfrom = "a@example.org"\nsecurity = "ssl"\n', {},
     "'email.security' must be one of starttls, tls, none"),
    ('[email]\nhost = "smtp.example.org"\nfrom = "a@example.org"\nsecurity = "none"\n', {},
     "'email.security': plain SMTP is allowed only to a server on this machine"),
    ('[email]\nhost = "smtp.example.org"\nfrom = "a@example.org"\nport = 0\n', {},
     "'email.port' must be at least 1"),
    ('[email]\nhost = "smtp.example.org"\nfrom = "a@example.org"\n'
     'when_dms_closed = ["statement_request"]\n', {},
     "'email.when_dms_closed': 'statement_request' is not a notice that may be e-mailed"),
    ('[email]\nhost = "smtp.example.org"\nfrom = "a@example.org"\nhots = 1\n', {},
     "unknown key(s) hots in [email]"),
])
def test_a_bad_email_table_is_refused_naming_the_key(tmp_path: Path, text: str,
                                                     env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_write(tmp_path, text), env)
    assert message in str(caught.value)


def test_check_config_says_where_email_goes_never_the_password(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COC_BOT_SMTP_PASSWORD", SECRET)
    assert cli.main(["--config", str(_write(tmp_path, GOOD)), "check-config"]) == 0
    out = capsys.readouterr().out
    assert "E-mail: smtp.example.org:587 (starttls) as bot, from conduct@example.org" in out
    assert SECRET not in out
    monkeypatch.delenv("COC_BOT_SMTP_PASSWORD")
    assert cli.main(["--config", str(_write(tmp_path, GOOD)), "check-config"]) == 2
    assert "COC_BOT_SMTP_PASSWORD" in capsys.readouterr().err
