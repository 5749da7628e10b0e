"""Set-up that explains itself on Slack: a wrong team_id said once and loudly, missing
channels named at start-up, and no alarming line on a healthy start."""

from __future__ import annotations

import logging

import pytest

from bot.slack_io import setup_check
from bot.slack_io.bolt import BOLT_LOGGER, build_front_end
from tests.slack.conftest import GENERAL, QUEUE, REPORTER, SUBJECT, SlackWorld

GUARD = "bot.slack_io.teams"


async def _post_from(world: SlackWorld, team: str) -> None:
    body = world.command_body("/report", f"<@{SUBJECT}> was rude", REPORTER, GENERAL)
    resp = await world.post(body.replace("team_id=T1", f"team_id={team}"),
                            "application/x-www-form-urlencoded")
    assert resp.status == 200


def _loud(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == GUARD and r.levelno >= logging.WARNING]


async def test_a_wrong_team_id_is_said_once_with_the_fix(world: SlackWorld,
                                                         caplog: pytest.LogCaptureFixture
                                                         ) -> None:
    caplog.set_level(logging.DEBUG, logger=GUARD)
    for _ in range(5):
        await _post_from(world, "T9WRONG")
    loud = _loud(caplog)
    assert len(loud) == 1 and loud[0].levelno == logging.ERROR
    assert 'team_id = "T9WRONG"' in loud[0].getMessage()


async def test_a_foreign_team_after_our_own_is_a_single_warning(
        world: SlackWorld, caplog: pytest.LogCaptureFixture) -> None:
    assert await world.command("/report", f"<@{SUBJECT}> was rude", user=REPORTER) == 200
    caplog.set_level(logging.DEBUG, logger=GUARD)
    for _ in range(3):
        await _post_from(world, "T2SHARED")
    loud = _loud(caplog)
    assert [r.levelno for r in loud] == [logging.WARNING]
    assert "T2SHARED" in loud[0].getMessage()


async def test_building_the_app_logs_no_token_warning(world: SlackWorld,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture
                                                      ) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")  # Bolt reads it from here itself
    caplog.set_level(logging.DEBUG)
    build_front_end(world.app)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.records
    BOLT_LOGGER.warning("another Bolt warning")  # only that one message is filtered
    assert "another Bolt warning" in caplog.text


async def test_missing_or_uninvited_channels_are_named(world: SlackWorld) -> None:
    assert world.app.settings.slack is not None
    client = world.front.platform.client
    assert await setup_check.problems(client, world.app.settings.slack) == []
    world.fake.bot_absent.add(QUEUE)
    world.fake.private.discard("GEXEC")
    world.fake.members.pop("GEXEC")
    found = await setup_check.problems(client, world.app.settings.slack)
    assert len(found) == 2
    assert "staff_queue_channel" in found[0] and "/invite" in found[0]
    assert "executive_channel" in found[1] and "channel_not_found" in found[1]
