"""Configuration: the example loads, every mistake names its key, secrets stay in env."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.core.errors import ConfigError
from bot.core.messages import MessageCatalog
from config.loader import find_config, load_code, load_messages, load_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "coc-bot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_config_is_valid_and_complete() -> None:
    settings = load_settings(EXAMPLE, {})
    assert settings.policy.quorum == 4 and settings.policy.committee_seats == 7
    assert settings.policy.appeal_window.days == 60
    assert settings.discord is not None and settings.discord.guild_id == 111111111111111111
    assert settings.slack is not None and settings.slack.team_id == "T00000000"
    main = settings.profiles.for_place("discord:111111111111111111:222222222222222222")
    assert main.restricts_promotion and "JobLIST" in main.restricted_content


def test_secrets_come_from_the_environment_only() -> None:
    env = {"DISCORD_TOKEN": "abc", "DATABASE_URL": "sqlite:///x.db", "SLACK_API_BASE": " "}
    settings = load_settings(EXAMPLE, env)
    assert settings.secrets.discord_token == "abc"
    assert settings.secrets.database_url == "sqlite:///x.db"
    assert settings.secrets.slack_api_base is None


def test_defaults_apply_without_a_file() -> None:
    settings = load_settings(None, {})
    assert settings.secrets.database_url == "sqlite:///./coc-bot.db"
    assert settings.discord is None and settings.policy.quorum == 4


@pytest.mark.parametrize(("text", "message"), [
    ("[policy]\nquroum = 4\n", "unknown key(s) quroum in [policy]"),
    ("[policy]\nquorum = 9\n", "quorum must be between 1"),
    ("[policy]\nquorum = 'four'\n", "'policy.quorum' must be a whole number"),
    ("[business_days]\ntimezone = 'Mars/Base'\n", "unknown time zone 'Mars/Base'"),
    ("[business_days]\nholidays = ['25/12/2026']\n", "YYYY-MM-DD"),
    ("[business_days]\nworkdays = ['funday']\n", "not a day of the week"),
    ("[business_days]\nholidays_country = 'XX'\n", "no holiday calendar for 'XX'"),
    ("[business_days]\nholidays_country = 'US'\nholidays_subdivision = 'ZZ'\n",
     "'ZZ' is not a subdivision of US"),
    ("[business_days]\nholidays_subdivision = 'IL'\n", "needs 'business_days.holidays_country'"),
    ("[business_days]\nend_of_day = '5pm'\n", "'business_days.end_of_day' must be a time"),
    ("[schedule]\nfiscal_year_start = '13-01'\n", "must be MM-DD"),
    ("[schedule]\ndigest_day = 31\n", "at most 28"),
    ("[discord]\nguild_id = 1\n", "'discord.staff_role_id' is required"),
    ("[discord]\nguild_id = 'abc'\n", "'discord.guild_id' must be a Discord id"),
    ("[slack]\nteam_id = 'T1'\n", "'slack.staff_queue_channel' is required"),
    ("[committee]\nhome = 'irc'\n", "'committee.home' must be"),
    ("[profiles.default]\nspace_nam = 'x'\n", "unknown key(s) space_nam"),
    ("[mystery]\n", "unknown key(s) mystery at the top level"),
    ("this is = not toml =", "not valid TOML"),
])
def test_config_errors_name_the_key_and_the_problem(tmp_path: Path, text: str,
                                                    message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), {})
    assert message in str(err.value)


def test_config_file_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="No configuration file found"):
        find_config(None, {})
    with pytest.raises(ConfigError, match="does not exist"):
        find_config(str(tmp_path / "missing.toml"), {})
    path = write(tmp_path, "")
    assert find_config(None, {}) == Path("coc-bot.toml")
    assert find_config(None, {"COC_BOT_CONFIG": str(path)}) == path


def test_the_code_has_every_clause_the_protocols_need() -> None:
    code = load_code(None)
    for clause_id in ("no-external-politics", "no-hate", "no-harassment", "no-private-info",
                      "no-restricted-content", "no-unsolicited-repetition", "no-data-harvesting",
                      "no-illegal-material", "do-post-as-yourself", "abuse-of-reporting"):
        assert code.clause(clause_id).avoid
    assert [c.id for c in code.matching("harass")] == ["no-harassment"]


def test_a_clause_with_an_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "code.toml"
    bad.write_text('[[clauses]]\nid = "x"\nsection = "dont"\ntitle = "X"\n'
                   'text = "Do not post in {channel_nmae}"\navoid = "a"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="channel_nmae"):
        load_code(bad)


def test_templates_are_validated() -> None:
    catalog = load_messages(None)
    text = catalog.render("report_received", ref="R-1", due="tomorrow")
    assert "R-1" in text and "tomorrow" in text
    templates = {name: "" for name in ("report_received",)}
    with pytest.raises(ConfigError, match="missing template"):
        MessageCatalog(templates)


def test_a_template_with_an_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    from config.loader import _packaged

    text = _packaged("templates/messages.toml").replace("{ref}", "{reference}", 1)
    path = tmp_path / "messages.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown placeholder"):
        load_messages(path)


def test_public_holidays_come_from_the_country_calendar_in_every_year(tmp_path: Path) -> None:
    """A hand-kept list ran out in 2027; the country's calendar never does."""
    settings = load_settings(write(tmp_path, "[business_days]\ntimezone = 'America/Chicago'\n"
                                   "holidays_country = 'US'\nholidays_subdivision = 'IL'\n"
                                   "holidays = ['2031-12-24']\n"), {})
    calendar = settings.calendar
    assert date(2030, 11, 28) in calendar.holidays        # Thanksgiving 2030
    assert date(2031, 12, 24) in calendar.holidays        # the association's own day off
    assert date(2030, 11, 27) not in calendar.holidays
    # A report on the Wednesday before Thanksgiving is due on Friday, not Thursday.
    made = datetime(2030, 11, 27, 15, 0, tzinfo=UTC)
    assert calendar.end_of_next_business_day(made).date() == date(2030, 11, 29)


def test_without_a_country_only_the_listed_days_are_holidays(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[business_days]\nholidays = ['2026-12-25']\n"),
                             {})
    assert date(2026, 12, 25) in settings.calendar.holidays
    assert date(2026, 11, 26) not in settings.calendar.holidays  # Thanksgiving: not listed


@pytest.mark.parametrize(("text", "message"), [
    ("[raid]\nchannel_violations = 1\n", "'raid.channel_violations' must be at least 2"),
    ("[raid]\nspace_violations = 'many'\n", "'raid.space_violations' must be a whole number"),
    ("[raid]\nwindow_seconds = 0\n", "'raid.window_seconds' must be at least 1"),
    ("[raid]\nwindow_seconds = 60\nquiet_seconds = 30\n", "'raid.quiet_seconds' must be at "
     "least 60"),
    ("[raid]\nrestraint = 'ban'\n", "'raid.restraint' must be \"none\", \"slow_mode\""),
    ("[raid]\nslow_mode_seconds = 30000\n", "'raid.slow_mode_seconds' must be at most 21600"),
    ("[raid]\nrestraint_minutes = 0\n", "'raid.restraint_minutes' must be at least 1"),
    ("[raid]\nenabled = 'yes'\n", "'raid.enabled' must be true or false"),
    ("[raid]\nthreshold = 5\n", "unknown key(s) threshold in [raid]"),
])
def test_raid_settings_refuse_bad_values_naming_the_key(tmp_path: Path, text: str,
                                                         message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text), {})
    assert message in str(err.value)


def test_raid_settings_are_read() -> None:
    from datetime import timedelta

    from bot.core.rules.raid import Restraint

    raid = load_settings(EXAMPLE, {}).policy.raid
    assert raid.enabled and raid.channel_violations == 5 and raid.space_violations == 15
    assert raid.window == timedelta(seconds=10) and raid.quiet == timedelta(seconds=30)
    assert raid.restraint is Restraint.NONE and raid.restraint_for == timedelta(minutes=10)
