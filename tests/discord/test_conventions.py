"""Discord conventions: who sees which command, reference autocomplete, and syncing the
command tree only when it changed."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from bot.core.models import Actor, Role, Severity
from bot.core.services import RefKind, ReportDraft
from bot.discord_io import client as discord_client
from bot.discord_io import setup_check
from tests.discord.conftest import World, restart

EVERYONE = {"report", "Report message", "Report user", "code", "appeal"}
STAFF = {"remove", "Remove message", "suspend", "unsuspend", "history", "link", "incident",
         "roster", "case", "code-admin"}
BOARD = {"recuse", "motion", "overrule", "decide", "appeals"}
MANAGE_MESSAGES = str(1 << 13)


def _registered(world: World) -> dict[str, dict[str, object]]:
    return {c["name"]: c for scope in world.fake.commands.values() for c in scope}


async def test_privileged_commands_are_hidden_from_members_by_default(world: World) -> None:
    registered = _registered(world)
    assert set(registered) == EVERYONE | STAFF | BOARD, "a new command must be classified"
    for name in EVERYONE:
        assert registered[name]["default_member_permissions"] is None, name
    for name in STAFF:
        assert registered[name]["default_member_permissions"] == MANAGE_MESSAGES, name
    for name in BOARD:  # administrators only, until an admin grants the roles
        assert registered[name]["default_member_permissions"] == "0", name


async def test_the_executive_decides_appeals_outside_the_everyone_appeal_group(
        world: World) -> None:
    registered = _registered(world)
    assert [o["name"] for o in registered["appeal"]["options"]] == ["file"]  # type: ignore
    assert [o["name"] for o in registered["appeals"]["options"]] == ["decide"]  # type: ignore
    assert [o["name"] for o in registered["code"]["options"]] == ["show"]  # type: ignore


async def test_a_restart_with_unchanged_commands_does_not_sync(world: World) -> None:
    assert world.fake.commands, "the first start registers the commands"
    await restart(world)
    assert world.fake.find("PUT", "/commands") == []


async def test_a_changed_command_tree_syncs_on_restart(world: World,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # /appeal becomes a guild command: both scopes' payloads change.
    monkeypatch.setattr(discord_client, "GLOBAL_COMMANDS", frozenset())
    await restart(world)
    synced = world.fake.find("PUT", "/commands")
    assert len(synced) == 2
    assert "appeal" in {c["name"] for c in world.fake.commands["guild"]}
    assert world.fake.commands["global"] == []
    world.fake.calls.clear()
    await restart(world)
    assert world.fake.find("PUT", "/commands") == []


async def _report(world: World, reason: str) -> str:
    report = await world.app.services.reports.submit(
        world.ref(world.alice), ReportDraft(reason=reason, anonymous=False,
                                            target=world.ref(world.bob)))
    return report.id


async def test_staff_are_offered_open_reports_and_members_nothing(world: World) -> None:
    ref = await _report(world, "bob keeps insulting me")
    choices = await world.fake.autocomplete(world.staff, "incident", "reverse",
                                            focused="ref", ref="", note="x")
    assert choices == []  # no incidents yet: nothing invented
    offered = await world.app.services.references.suggest(
        Actor(world.ref(world.staff), frozenset({Role.STAFF})), RefKind.REPORT)
    assert [s.value for s in offered] == [ref]
    assert "insulting" not in offered[0].label  # labels never carry a report's text
    none = await world.app.services.references.suggest(Actor(world.ref(world.alice)),
                                                       RefKind.REPORT)
    assert none == []


async def test_committee_members_are_offered_cases_they_may_act_on(world: World) -> None:
    staff = Actor(world.ref(world.staff), frozenset({Role.STAFF}))
    about_bob = await world.app.services.cases.open_by_staff(
        staff, world.ref(world.bob), "harassment", Severity.SERIOUS)
    about_member = await world.app.services.cases.open_by_staff(
        staff, world.ref(world.members[1]), "harassment", Severity.SERIOUS)
    choices = await world.fake.autocomplete(world.members[1], "motion", focused="case",
                                            case="C-", text="x")
    assert [c["value"] for c in choices] == [about_bob.id]  # not the case about them
    typed = await world.fake.autocomplete(world.members[0], "recuse", focused="case",
                                          case=about_member.id[-4:].lower(), reason="x")
    assert [c["value"] for c in typed] == [about_member.id]
    assert await world.fake.autocomplete(world.alice, "motion", focused="case", case="",
                                         text="x") == []


async def test_a_healthy_start_logs_nothing_alarming(world: World,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await restart(world)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    guild = world.bot.get_guild(world.fake.guild_id)
    assert setup_check.problems(guild, world.bot.settings) == []


async def test_a_missing_role_or_channel_is_named_at_start_up(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    wrong = replace(world.bot.settings, counsel_role_id=42, executive_channel_id=43,
                    suspended_role_id=world.moderator_role)  # above the bot's own role
    world.app.settings = replace(world.app.settings, discord=wrong)
    caplog.set_level(logging.INFO)
    await restart(world)
    said = [r.getMessage() for r in caplog.records if "set-up:" in r.getMessage()]
    assert len(said) == 3, said
    assert "counsel_role_id = 42: no such role" in said[0]
    assert "Drag the bot's role above it" in said[1]
    assert "executive_channel_id = 43: no such channel" in said[2]
