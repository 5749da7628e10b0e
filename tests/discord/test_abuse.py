"""Abuse of reporting on Discord: three bad-faith dismissals make an incident, and an
anonymous reporter comes out of it still anonymous to everyone but themselves."""

from __future__ import annotations

import json
import re

from tests.discord.conftest import World
from tests.discord.test_anonymity import PSEUDONYM, outbound_to_others
from tests.discord.test_committee import answered
from tests.discord.test_reports import queue_message
from tests.fakes.discord.server import FakeUser


async def report_and_dismiss(world: World, reporter: FakeUser, n: int, *,
                             anonymous: bool, own: list[str]) -> str:
    fake = world.fake
    token = await fake.slash(reporter, "report", reason="He keeps insulting everyone",
                             member=world.bob, anonymous=anonymous)
    own.append(token)
    await fake.wait_for(lambda: fake.reply_texts(token), "acknowledged the report")
    click = await fake.click(world.staff, await queue_message(world, n),
                             "Dismiss in bad faith")
    return await answered(world, click)


async def test_three_named_bad_faith_reports_make_an_incident(world: World) -> None:
    fake, alice = world.fake, world.alice
    for n in (1, 2):
        await report_and_dismiss(world, alice, n, anonymous=False, own=[])
    assert fake.dms_to(alice) == []
    await report_and_dismiss(world, alice, 3, anonymous=False, own=[])
    dm = (await fake.wait_for(lambda: fake.dms_to(alice), "explained by DM"))[-1]
    assert "3 of your reports" in dm and "abuse the reporting process" in dm
    summary = (await fake.wait_for(lambda: [t for t in fake.channel_texts(
        world.committee_channel) if "abuse-of-reporting" in t], "told the committee"))[0]
    assert f"<@{alice.id}>" in summary and "Incident I-" in summary
    ref = re.search(r"I-[0-9A-Z]{7}", summary)
    assert ref is not None
    history = await answered(world, await fake.slash(world.staff, "history", member=alice))
    assert ref.group(0) in history


async def test_an_anonymous_reporter_is_held_to_account_without_being_named(
        world: World) -> None:
    fake = world.fake
    reporter = world.members[6]
    own: list[str] = []
    for n in (1, 2, 3):
        confirmation = await report_and_dismiss(world, reporter, n, anonymous=True, own=own)
    match = PSEUDONYM.search(confirmation)
    assert match is not None and "3 dismissed in bad faith" in confirmation
    dm = (await fake.wait_for(lambda: fake.dms_to(reporter), "explained by DM"))[-1]
    assert "3 of your reports" in dm
    summary = (await fake.wait_for(lambda: [t for t in fake.channel_texts(
        world.committee_channel) if "abuse-of-reporting" in t], "told the committee"))[0]
    assert f"anonymous reporter {match.group(0)}" in summary

    history_token = await fake.slash(world.staff, "history", member=reporter)
    history = await answered(world, history_token)
    assert "I-" not in history and "abuse" not in history
    sent = outbound_to_others(world, reporter, own, skip=[history_token])
    assert len(sent) > 5
    for call in sent:
        text = call.path + json.dumps(call.body)
        assert str(reporter.id) not in text and reporter.name not in text, call
