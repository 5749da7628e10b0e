"""Issue 11 on Discord, through the real client: a permanent removal with its review date,
a statement published only once the decision is final, and the reporter's wishes."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from bot.core.services import ReportDraft
from tests.discord.conftest import World
from tests.discord.test_committee import answered, carry, open_case, put_motion
from tests.fakes.discord.server import JSON, labels, message_text

STATEMENT = "The committee removed a member for harassment. @everyone"


@pytest.mark.suspended_role
async def test_permanent_removal_with_review_is_told_and_reminded(world: World) -> None:
    fake = world.fake
    reply = await answered(world, await fake.slash(
        world.staff, "suspend", member=world.bob, duration="permanent", scope="server",
        reason="Threats after two warnings", review="1y"))
    assert "Review date" in reply, reply
    dm = "\n".join(await fake.wait_for(lambda: fake.dms_to(world.bob), "told bob"))
    assert "The committee will review this on" in dm
    world.clock.advance(timedelta(days=366))
    assert await world.run_due() >= 1
    reminder = await fake.wait_for(
        lambda: [t for t in fake.channel_texts(world.committee_channel)
                 if "reached its review date" in t], "reminded the committee")
    assert "Threats after two warnings" in reminder[0]


async def test_a_review_that_is_not_a_period_is_refused(world: World) -> None:
    fake = world.fake
    reply = await answered(world, await fake.slash(
        world.staff, "suspend", member=world.bob, duration="permanent", scope="server",
        reason="Threats", review="someday"))
    assert "not a review period" in reply
    assert not fake.dms_to(world.bob) and not fake.find("PUT", f"/bans/{world.bob.id}")


async def _carried_with_statement(world: World) -> tuple[str, int, JSON]:
    ref, thread = await open_case(world)
    motion = await put_motion(world, ref, thread, statement=STATEMENT)
    assert "Public statement" in message_text(motion)
    await carry(world, thread, motion)
    return ref, thread, motion


async def test_a_carried_statement_is_published_by_staff_once(world: World) -> None:
    fake = world.fake
    ref, _, _ = await _carried_with_statement(world)
    await world.hear(ref)
    await answered(world, await fake.slash(world.members[1], "decide", case=ref))
    prompt = await fake.wait_for(
        lambda: [m for m in fake.messages[world.staff_queue].values()
                 if "Publish" in " ".join(labels(m))], "offered the statement to staff")
    button = copy.deepcopy(prompt[0])  # a second click on a stale copy of the message
    refused = await fake.click(world.alice, button, "Publish")
    assert "Only staff" in await answered(world, refused)
    assert not fake.channel_texts(world.announcements)
    published = await answered(world, await fake.click(world.staff, button, "Publish"))
    assert "released by" in published
    (posted,) = fake.channel_texts(world.announcements)
    assert "The committee removed a member" in posted and "@everyone" not in posted
    assert "released by" in message_text(prompt[0]) and not labels(prompt[0])
    again = await answered(world, await fake.click(world.staff, button, "Publish"))
    assert "already" in again.lower()
    assert len(fake.channel_texts(world.announcements)) == 1


async def test_an_overruled_statement_is_never_published(world: World) -> None:
    fake = world.fake
    ref, _, _ = await _carried_with_statement(world)
    await answered(world, await fake.slash(world.counsel, "overrule", case=ref,
                                           reason="Defamation risk"))
    await world.hear(ref)
    reply = await answered(world, await fake.slash(world.members[1], "decide", case=ref))
    assert "no carried motion" in reply
    assert not [m for m in fake.messages[world.staff_queue].values()
                if "Publish" in " ".join(labels(m))]
    assert not fake.channel_texts(world.announcements)


async def test_the_reporter_is_asked_and_only_the_committee_sees(world: World) -> None:
    fake = world.fake
    services = world.app.services
    report = await services.reports.submit(world.ref(world.alice), ReportDraft(
        reason="bob keeps insulting me", target=world.ref(world.bob), anonymous=True))
    queued = await fake.wait_for(lambda: [m for m in fake.messages[world.staff_queue].values()
                                          if report.id in message_text(m)], "queued")
    await answered(world, await fake.click(world.staff, queued[0], "Escalate"))
    asked = await fake.wait_for(lambda: [m for m in fake.messages.get(
        fake.dm_channels.get(world.alice.id, 0), {}).values()
        if "Which outcomes would you welcome" in message_text(m)], "asked alice")
    question = asked[0]
    # bob cannot answer for alice, even with the case reference.
    bob_try = await fake.choose(world.bob, question, ["nothing_further"])
    assert "Only the person whose report" in await answered(world, bob_try)
    thanks = await answered(world, await fake.choose(world.alice, question,
                                                     ["apology", "no_contact"]))
    assert "The committee will see your answer" in thanks
    thread = await fake.wait_for(
        lambda: [cid for cid, c in fake.channels.items()
                 if c.get("parent_id") == str(world.committee_channel)], "thread")
    shown = await fake.wait_for(lambda: [t for t in fake.channel_texts(thread[-1])
                                         if "would welcome" in t], "told the committee")
    assert "An apology" in shown[0] and "No contact" in shown[0]
    assert str(world.alice.id) not in shown[0] and "alice" not in shown[0].lower()
    assert not any("welcome" in t for t in fake.dms_to(world.bob))


async def test_a_motion_review_without_a_suspension_is_refused(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    before = len(fake.messages[thread])
    reply = await answered(world, await fake.slash(
        world.members[0], "motion", case=ref, text="Remove bob", review="1y", channel=thread))
    assert "goes with the permanent suspension" in reply
    assert len(fake.messages[thread]) == before  # no motion was put


@pytest.mark.suspended_role
async def test_applying_a_permanent_removal_states_its_review_date(world: World) -> None:
    fake = world.fake
    ref, thread = await open_case(world)
    motion = await put_motion(world, ref, thread, suspend_for="permanent", review="1y")
    assert "may be reviewed after 1y" in message_text(motion)
    await carry(world, thread, motion)
    ready = await fake.wait_for(
        lambda: [m for m in fake.messages[thread].values() if "Apply" in " ".join(labels(m))],
        "offered the Apply button")
    ready[0]["channel_id"] = str(thread)
    applied = await answered(world, await fake.click(world.staff, ready[0], "Apply"))
    assert "Review date" in applied and "S-" in applied, applied
    dm = "\n".join(await fake.wait_for(lambda: fake.dms_to(world.bob), "told bob"))
    assert "The committee will review this on" in dm
