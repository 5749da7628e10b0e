"""Raid mode on Slack: deletes one by one with the admin token, paced to the method's
tier; one alert per wave in the staff queue and the committee's channel; a lock is
refused plainly (Slack has none without Enterprise Grid) and the raid goes on."""

from __future__ import annotations

from dataclasses import replace

from bot.core.models import Incident
from bot.core.rules.raid import Restraint
from tests.fakes.outbound import scan_slack
from tests.fakes.slack.server import FakeSlack
from tests.slack.conftest import COMMITTEE_CH, GENERAL, QUEUE, SlackWorld
from tests.slack.test_watch import say

CARD = "4111 1111 1111 1111"


async def flood(world: SlackWorld, count: int, people: int) -> list[str]:
    sent = [await say(world, f"card {CARD} #{n}", user=f"USPAM{n % people}")
            for n in range(count)]
    await world.app.services.raid.drain()
    return sent


def raid_alerts(world: SlackWorld, channel: str) -> list[str]:
    return [c.text for c in world.fake.called("chat.postMessage", channel=channel)
            if "Raid mode" in c.text]


async def test_a_flood_is_deleted_recorded_and_alerted_once(world: SlackWorld) -> None:
    sent = await flood(world, 16, people=4)
    deleted = {c.get("ts") for c in world.fake.called("chat.delete", channel=GENERAL)}
    assert deleted == set(sent)
    assert all(c.token == "xoxp-admin" for c in world.fake.called("chat.delete"))
    async with world.app.storage.transaction() as tx:
        assert await tx.count(Incident) == 16
    assert len(raid_alerts(world, QUEUE)) == 1 and len(raid_alerts(world, COMMITTEE_CH)) == 1
    posts = [c for c in world.fake.called("chat.postMessage", channel=COMMITTEE_CH)
             if not c.get("thread_ts")]
    cases = [c for c in posts if "discussion in this thread" in c.text]
    assert len(posts) - len(cases) <= 5  # 4 handled one by one before the wave, 1 alert
    assert len(cases) == 4  # each author escalated once: one case per person
    updates = world.fake.called("chat.update", channel=COMMITTEE_CH)
    assert updates and "from 4 accounts" in updates[-1].text
    assert CARD not in "\n".join(c.text for c in world.fake.calls)


async def test_a_lock_is_refused_plainly_and_the_raid_goes_on(world: SlackWorld) -> None:
    ctx = world.app.services.ctx
    ctx.policy = replace(ctx.policy, raid=replace(ctx.policy.raid, restraint=Restraint.LOCK))
    sent = await flood(world, 10, people=2)
    assert len(world.fake.called("chat.delete")) == len(sent)
    assert "🔒" not in "\n".join(raid_alerts(world, COMMITTEE_CH))


async def test_the_fake_enforces_the_delete_tier_as_slack_does() -> None:
    fake = FakeSlack(tiers={"chat.delete": (2, 60.0)})
    assert not fake._over_tier("chat.delete")
    from tests.fakes.slack.server import Call
    fake.calls += [Call("chat.delete", {}, "x"), Call("chat.delete", {}, "x")]
    assert fake._over_tier("chat.delete") and not fake._over_tier("chat.postMessage")


async def test_a_hostile_flood_pings_nobody_and_leaks_no_contact_details(
        world: SlackWorld) -> None:
    """The alert and the DMs of a raid carry no live ping from the spammers' text and no
    contact details, like every other path (Slack escapes, masking)."""
    phone, email = "+1 415 555 0123", "victim@example.org"
    for n in range(16):
        await say(world, f"<!channel> card {CARD} #{n} call {phone} or {email} <!subteam^S1>",
                  user=f"USPAM{n % 4}")
    await world.app.services.raid.drain()
    assert raid_alerts(world, COMMITTEE_CH), "the raid was alerted"
    problems = scan_slack(world.fake, [phone, "555 0123", email, CARD])
    assert problems == [], "\n".join(problems)
