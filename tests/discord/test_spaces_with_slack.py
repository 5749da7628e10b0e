"""Issue 13's "done when": two Discord servers and one Slack workspace, one committee.

The real discord.py client runs against the fake Discord with two guilds (the committee
meets in the first), and the real Bolt app against the fake Slack, both in one app on one
database. A person linked across the three spaces has one history, read from any of them;
the committee decides a case opened from either platform, in its Discord home.
"""

from __future__ import annotations

import re

import pytest

from bot.core.models import Case, Incident
from tests.discord.conftest import SecondServer, World
from tests.discord.test_committee import carry, put_motion
from tests.discord.test_spaces import answered
from tests.fakes.discord.server import message_text
from tests.slack.conftest import GENERAL, STAFF_USER, SUBJECT, TEAM, SlackWorld
from tests.slack.helpers import link

pytestmark = [pytest.mark.two_servers, pytest.mark.slack_workspace]
CASE = re.compile(r"C-[0-9A-Z]{7}")


def spaces(world: World) -> tuple[SecondServer, SlackWorld]:
    assert world.second is not None and world.slack is not None
    return world.second, world.slack


async def committee_thread(world: World, known: set[int]) -> int:
    """The case thread newly opened under the home's committee channel."""
    fake = world.fake
    threads = await fake.wait_for(
        lambda: [cid for cid, c in fake.channels.items() if cid not in known
                 and c.get("parent_id") == str(world.committee_channel)],
        "opened the case thread in the home's committee channel")
    return int(threads[-1])


def threads_now(world: World) -> set[int]:
    return {int(cid) for cid, c in world.fake.channels.items()
            if c.get("parent_id") == str(world.committee_channel)}


async def test_a_person_linked_across_two_servers_and_a_workspace_has_one_history(
        world: World) -> None:
    fake, (b, slack) = world.fake, spaces(world)
    in_a = fake.post_message(world.general, world.alice, "idiots, all of you")
    in_b = fake.post_message(b.general, b.carol, "idiots, all of you")
    await answered(world, await fake.slash(
        world.staff, "remove", clause="no-hate",
        message_link=f"https://discord.com/channels/{fake.guild_id}/{world.general}/"
                     f"{in_a['id']}"))
    await answered(world, await fake.slash(
        b.staff, "remove", clause="no-hate", channel=b.general,
        message_link=f"https://discord.com/channels/{b.guild}/{b.general}/{in_b['id']}"))
    ts = slack.fake.add_message(GENERAL, SUBJECT, "idiots, all of you")
    await slack.command("/remove", f"{link(GENERAL, ts)} no-hate")
    assert "Incident I-" in slack.fake.responses()[-1]  # recorded (no admin token here)

    alice = f"discord:{fake.guild_id}:{world.alice.id}"
    await answered(world, await fake.slash(world.staff, "link", member=world.alice,
                                           other=f"discord:{b.guild}:{b.carol.id}"))
    await slack.command("/link", f"<@{SUBJECT}> {alice}")
    assert "Linked" in slack.fake.responses()[-1]

    async with world.app.storage.transaction() as tx:
        incidents = {i.id for i in await tx.find(Incident)}
    assert len(incidents) == 3
    from_a = await answered(world, await fake.slash(world.staff, "history",
                                                    member=world.alice))
    from_b = await answered(world, await fake.slash(b.staff, "history", member=b.carol,
                                                    channel=b.general))
    await slack.command("/history", f"<@{SUBJECT}>", user=STAFF_USER)
    from_slack = slack.fake.responses()[-1]
    for text in (from_a, from_b, from_slack):
        assert all(ref in text for ref in incidents), text
    assert f"slack:{TEAM}:{SUBJECT}" in from_slack and alice in from_slack


async def test_the_committee_decides_a_case_from_either_platform_in_its_home(
        world: World) -> None:
    fake, (b, slack) = world.fake, spaces(world)
    known = threads_now(world)
    await slack.command("/case", f"open <@{SUBJECT}> serious Repeated insults on Slack")
    from_slack = CASE.search(slack.fake.responses()[-1])
    assert from_slack, slack.fake.responses()
    slack_thread = await committee_thread(world, known)
    assert "Repeated insults on Slack" in "\n".join(fake.channel_texts(slack_thread))

    known.add(slack_thread)
    reply = await answered(world, await fake.slash(
        b.staff, "case", "open", member=b.carol, channel=b.general,
        summary="Repeated harassment in the regional server", severity="serious"))
    from_b = CASE.search(reply)
    assert from_b, reply
    b_thread = await committee_thread(world, known)

    for ref, thread in ((from_slack.group(0), slack_thread), (from_b.group(0), b_thread)):
        motion = await put_motion(world, ref, thread)
        await carry(world, thread, motion)
        assert "carried" in message_text(fake.messages[thread][int(motion["id"])]).lower()
    # nothing of the committee's went to Slack: it has no committee channel at all
    assert not [c for c in slack.fake.called("chat.postMessage")
                if "motion" in c.text.lower()]
    async with world.app.storage.transaction() as tx:
        cases = {c.id: c for c in await tx.find(Case)}
    assert cases[from_slack.group(0)].subject == slack.person(SUBJECT)
    assert cases[from_b.group(0)].subject.space == str(b.guild)
