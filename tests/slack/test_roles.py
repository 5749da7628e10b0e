"""The listeners check no role: each wrong person is refused by the services, privately,
with the services' own words (the same as on Discord), and nothing reaches anyone else."""

from __future__ import annotations

from tests.slack.conftest import (
    COMMITTEE,
    COMMITTEE_CH,
    COUNSEL,
    REPORTER,
    STAFF_USER,
    SlackWorld,
)
from tests.slack.test_committee import _motion, _react
from tests.slack.test_conflicts import carry, open_case_about, posts, private_refusal


async def test_each_wrong_role_is_refused_privately_and_nothing_moves(
        world: SlackWorld) -> None:
    case = await open_case_about(world, "USUBJECT")
    await carry(world, case, COMMITTEE[1:5])
    before = posts(world)
    refusals = [
        (REPORTER, "/code", "publish mine now",
         "Only staff can publish a new version of the Code"),
        (COMMITTEE[0], "/code", "status", "Only staff can see who has accepted the Code"),
        (REPORTER, "/recuse", f"{case.id} I know him",
         "Only seated committee members can recuse from a case"),
        (STAFF_USER, "/motion", f"{case.id} Ban him",
         "Only eligible committee members can propose a motion"),
        (COMMITTEE[0], "/overrule", f"{case.id} I disagree",
         "Only legal counsel can overrule the committee"),
        (COUNSEL, "/decide", case.id,
         "Only committee members or staff can communicate a decision"),
        (COUNSEL, "/decide", f"{case.id} without_statement: the subject will not answer",
         "Only committee members or staff can communicate a decision"),
        (STAFF_USER, "/appeal", "decide A-0000000 overturned no",
         "Only the Executive Committee decides appeals"),
        (REPORTER, "/appeal", f"{case.id} It was not me at all.",
         f"There is no case '{case.id}' that involves you"),
    ]
    for user, command, text, refusal in refusals:
        await world.command(command, text, user=user, channel=COMMITTEE_CH)
        assert refusal in private_refusal(world), (command, world.fake.responses()[-1])
    assert posts(world) == before


async def test_a_missing_case_reference_is_asked_for(world: SlackWorld) -> None:
    # (/motion alone opens the motion form: tests/slack/test_forms.py)
    for command in ("/recuse", "/overrule", "/decide", "/appeal"):
        await world.command(command, "", user=COMMITTEE[0], channel=COMMITTEE_CH)
        assert "Please give the case reference (C-…)" in private_refusal(world), command


async def test_a_stray_reaction_on_a_motion_is_explained_to_the_voter_alone(
        world: SlackWorld) -> None:
    case = await open_case_about(world, "USUBJECT")
    motion = await _motion(world, case)
    await _react(world, motion, COMMITTEE[0], "tada")
    [told] = [c.params["text"] for c in world.fake.called("chat.postEphemeral",
                                                          user=COMMITTEE[0])]
    assert f"Your :tada: reaction on motion {motion.id} does not count" in told
    assert "only ✅ (yes), ❌ (no) and ➖ (abstain) are votes" in told
    assert not any("does not count" in c.text
                   for c in world.fake.called("chat.postMessage", channel=COMMITTEE_CH))
