"""Discord's own AutoMod as the first line: the bot's rules are created, kept unchanged,
edited in place, never touch staff's rules, stay within Discord's limits, and what they
block becomes one incident with one explanatory DM, naming nobody else."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import replace
from typing import cast

import pytest

from bot.core.automod import load_automod
from bot.core.models import Incident
from cogs.discord.native_automod import NativeAutomodCog
from tests.discord.conftest import World, caught_up, restart, settled
from tests.fakes.discord._automod import MANAGE_GUILD
from tests.waiting import DEADLINE

NATIVE = """
[discord.native_automod]
enabled = true
categories = ["hate-slurs", "harassment"]
alert_channel_id = {queue}
timeout = "10m"
"""
native = pytest.mark.discord_config(NATIVE, bot_permissions=MANAGE_GUILD)
AUTOMOD_CALLS = "/auto-moderation/"


async def synced(world: World) -> NativeAutomodCog:
    # The extension loader imports the cog module on its own: compare by name.
    cog = cast(NativeAutomodCog, world.bot.get_cog("NativeAutomodCog"))
    assert type(cog).__name__ == "NativeAutomodCog"
    await asyncio.wait_for(cog.synced.wait(), DEADLINE)
    return cog


def by_name(world: World) -> dict[str, dict]:
    return {rule["name"]: rule for rule in world.fake.automod.rules.values()}


def automod_calls(world: World) -> list[str]:
    return [f"{c.method} {c.path}" for c in world.fake.calls if AUTOMOD_CALLS in c.path]


def with_lists(world: World, **automod: object) -> None:
    """The operator edits the lists (the config the next start reads)."""
    settings = world.app.settings
    clauses = [c.id for c in settings.code.clauses]
    world.app.settings = replace(settings, automod=load_automod(
        {"exempt_roles": list(settings.automod.exempt_roles), **automod}, clause_ids=clauses))


@native
async def test_first_start_creates_the_rules_with_block_alert_and_timeout(world: World) -> None:
    await synced(world)
    rules = by_name(world)
    assert set(rules) == {"coc-bot: hate-slurs", "coc-bot: harassment"}
    slurs = rules["coc-bot: hate-slurs"]
    assert slurs["creator_id"] == str(world.fake.app_id) and slurs["enabled"]
    keywords = slurs["trigger_metadata"]["keyword_filter"]
    # The listed spelling and the inflections the bot's own automod catches.
    assert {"beaner", "chink", "chinks", "wetbacks"} <= set(keywords)
    assert "maine coon" in slurs["trigger_metadata"]["allow_list"]
    kinds = {a["type"]: a["metadata"] for a in slurs["actions"]}
    assert kinds[2] == {"channel_id": str(world.staff_queue)}
    assert kinds[3] == {"duration_seconds": 600}
    message = kinds[1]["custom_message"]
    assert len(message) <= 150 and "No insults, attacks" in message
    staff_role = next(iter(world.app.settings.automod.exempt_roles))
    assert slurs["exempt_roles"] == [staff_role]


@native
async def test_a_second_start_with_unchanged_lists_makes_no_call(world: World) -> None:
    await synced(world)
    before = by_name(world)
    world.fake.calls.clear()
    await restart(world)
    await synced(world)
    assert automod_calls(world) == []
    assert by_name(world) == before


@native
async def test_a_changed_list_is_patched_in_place(world: World) -> None:
    await synced(world)
    old = by_name(world)["coc-bot: hate-slurs"]
    with_lists(world, rules={"hate-slurs": {"words": ["zorblax"]}})
    world.fake.calls.clear()
    await restart(world)
    await synced(world)
    calls = automod_calls(world)
    assert f"PATCH /guilds/{world.fake.guild_id}/auto-moderation/rules/{old['id']}" in calls
    assert not [c for c in calls if c.startswith(("POST", "DELETE"))], calls
    new = by_name(world)["coc-bot: hate-slurs"]
    assert new["id"] == old["id"]
    assert {"zorblax", "zorblaxes", "beaner"} <= set(new["trigger_metadata"]["keyword_filter"])
    # The harassment rule did not change: not patched.
    harassment = by_name(world)["coc-bot: harassment"]["id"]
    assert not [c for c in calls if c.endswith(harassment)]


@native
async def test_rules_staff_made_by_hand_are_never_touched(world: World) -> None:
    await synced(world)
    hand = world.fake.automod.hand_made("coc-bot: hate-slurs", ["spoiler"], world.staff.id)
    kept = dict(hand)
    with_lists(world, rules={"hate-slurs": {"words": ["zorblax"]}})
    world.fake.calls.clear()
    await restart(world)
    await synced(world)
    assert world.fake.automod.rules[int(hand["id"])] == kept
    assert not [c for c in automod_calls(world) if c.endswith(hand["id"])]


FULL = """
[discord.native_automod]
enabled = true
categories = ["sexual", "profanity", "hate-slurs", "harassment"]

[automod.rules.sexual]
action = "remove_and_explain"

[automod.rules.profanity]
action = "remove_and_explain"
"""


def did_not_fit(records: list[logging.LogRecord], category: str) -> bool:
    return any(re.search(rf"\d+ keywords of category {category} did not fit in Discord "
                         "AutoMod; they stay with the bot's own automod", r.getMessage())
               for r in records)


@pytest.mark.discord_config(FULL, bot_permissions=MANAGE_GUILD)
async def test_limits_respected_and_what_did_not_fit_is_reported(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    await synced(world)
    rules = list(world.fake.automod.rules.values())
    assert len(rules) == 6  # Discord's limit of keyword rules per server: all four fit
    for rule in rules:
        meta = rule["trigger_metadata"]
        assert 0 < len(meta["keyword_filter"]) <= 1000
        assert all(len(k) <= 60 for k in meta["keyword_filter"])
        assert len(meta["allow_list"]) <= 100
    assert not did_not_fit(caplog.get_records("setup") + caplog.records, "harassment")
    # Staff replace one of the bot's rules with one of their own: at the next change of
    # the lists the bot's rules make room; staff's rule stays as they made it, and the
    # category that no longer fits is said.
    slurs = next(r for r in rules if r["name"] == "coc-bot: hate-slurs")
    del world.fake.automod.rules[int(slurs["id"])]
    hand = dict(world.fake.automod.hand_made("no spoilers", ["spoiler"], world.staff.id))
    with_lists(world, rules={"sexual": {"action": "remove_and_explain", "words": ["zorblax"]},
                             "profanity": {"action": "remove_and_explain"}})
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        await restart(world)
        await synced(world)
    rules = list(world.fake.automod.rules.values())
    assert len(rules) == 6 and world.fake.automod.rules[int(hand["id"])] == hand
    assert [r["name"] for r in rules].count("coc-bot: hate-slurs") == 1
    assert not [r for r in rules if "harassment" in r["name"]]
    assert did_not_fit(caplog.records, "harassment")


@native
async def test_a_block_becomes_one_incident_and_one_dm(world: World) -> None:
    await synced(world)
    world.fake.calls.clear()
    # Breaks both rules: Discord sends block, alert and timeout for each (six events).
    assert await world.fake.say_past_automod(world.alice, world.general,
                                             "you beaner, i will kill you") is None
    await world.fake.wait_for(lambda: world.fake.dms_to(world.alice), "the DM")
    await settled(world)
    async with world.app.storage.transaction() as tx:
        incidents = await tx.find(Incident)
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident.automated and incident.message is None
    assert incident.subject == world.ref(world.alice)
    assert incident.clause_id in ("no-hate", "no-harassment")
    dms = world.fake.dms_to(world.alice)
    assert len(dms) == 1
    assert "blocked before anyone saw it" in dms[0]
    assert "How to avoid this next time" in dms[0] and "/report" in dms[0]
    assert not world.fake.find("DELETE", "/messages/")  # nothing was posted to delete


@native
async def test_staff_hand_made_rule_blocks_are_not_the_bots_to_record(world: World) -> None:
    await synced(world)
    world.fake.automod.hand_made("no spoilers", ["spoiler"], world.staff.id)
    await world.fake.say_past_automod(world.alice, world.general, "spoiler: he dies")
    await caught_up(world)
    async with world.app.storage.transaction() as tx:
        assert await tx.find(Incident) == []
    assert world.fake.dms_to(world.alice) == []


@native
async def test_the_dm_and_the_rules_name_nobody_and_quote_only_the_masked_text(
        world: World) -> None:
    await synced(world)
    bob = world.bob
    text = f"<@{bob.id}> you beaner, call {bob.name} at +1 415 555 0134 or ping {bob.id}"
    await world.fake.say_past_automod(world.alice, world.general, text)
    await world.fake.wait_for(lambda: world.fake.dms_to(world.alice), "the DM")
    await settled(world)
    dm = world.fake.dms_to(world.alice)[0]
    assert str(bob.id) not in dm
    assert "555 0134" not in dm and "[phone removed]" in dm
    async with world.app.storage.transaction() as tx:
        (incident,) = await tx.find(Incident)
    assert str(bob.id) not in (incident.excerpt or "") and "555" not in (incident.excerpt or "")
    assert "beaner" not in (incident.note or "")  # the note names the category, not words
    for rule in world.fake.automod.rules.values():
        for action in rule["actions"]:
            message = action["metadata"].get("custom_message") or ""
            assert not re.search(r"\d{15,}", message)
    others = {str(m.id) for m in world.fake.members.values()} - {str(world.alice.id)}
    assert not [i for i in others if i in dm]


@pytest.mark.discord_config(NATIVE, bot_permissions=0)
async def test_without_manage_server_one_warning_and_the_bots_own_automod_acts(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    await synced(world)
    assert automod_calls(world) == []
    assert world.fake.automod.rules == {}
    message = await world.fake.say_past_automod(world.alice, world.general, "you beaner")
    assert message is not None  # Discord let it through: no rule of the bot's there
    await world.fake.wait_for(lambda: world.fake.find("DELETE", f"/messages/{message['id']}"),
                              "the bot's own automod removing it")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        await restart(world)
        await synced(world)
    warnings = [r.getMessage() for r in caplog.records if "Manage Server" in r.getMessage()]
    assert len(warnings) == 1 and "own automod covers" in warnings[0]
    assert automod_calls(world) == []


async def test_off_by_default_no_automod_call(world: World) -> None:
    await synced(world)
    await settled(world)
    assert automod_calls(world) == []


@native
async def test_turning_it_off_removes_the_bots_rules_and_only_them(world: World) -> None:
    await synced(world)
    hand = dict(world.fake.automod.hand_made("no spoilers", ["spoiler"], world.staff.id))
    settings = world.app.settings
    assert settings.discord is not None
    world.app.settings = replace(settings, discord=replace(
        settings.discord, native_automod=replace(settings.discord.native_automod,
                                                 enabled=False)))
    await restart(world)
    await synced(world)
    assert list(world.fake.automod.rules.values()) == [hand]
    world.fake.calls.clear()
    await restart(world)
    await synced(world)
    assert automod_calls(world) == []  # off, and nothing of the bot's left to clean up
