"""The committee on Slack: case threads, motions, reaction votes, recusal, decisions, appeals."""

from __future__ import annotations

from bot.core.models import Case, CaseStatus, Motion, MotionStatus
from tests.slack.conftest import (
    COMMITTEE,
    COMMITTEE_CH,
    COUNSEL,
    EXEC_CH,
    EXECUTIVE,
    OUTSIDER,
    SUBJECT,
    SlackWorld,
)


async def _open_case(world: SlackWorld) -> Case:
    await world.seat_committee()
    await world.command("/case", f"open <@{SUBJECT}> sustained harassment of several members")
    async with world.app.storage.transaction() as tx:
        cases = await tx.find(Case)
    assert len(cases) == 1 and cases[0].thread is not None
    return cases[0]


async def _motion(world: SlackWorld, case: Case, text: str = "Suspend for 30 days") -> Motion:
    await world.command("/motion", f"{case.id} suspend=30d {text}", user=COMMITTEE[0],
                        channel=COMMITTEE_CH)
    async with world.app.storage.transaction() as tx:
        motions = await tx.find(Motion, case_id=case.id)
    assert motions and motions[-1].message is not None, world.fake.responses()
    return motions[-1]


async def _react(world: SlackWorld, motion: Motion, user: str, name: str,
                 added: bool = True) -> None:
    assert motion.message is not None
    await world.event({"type": "reaction_added" if added else "reaction_removed",
                       "user": user, "reaction": name, "item_user": "UBOT",
                       "item": {"type": "message", "channel": motion.message.channel,
                                "ts": motion.message.id}, "event_ts": "1"})


async def test_case_opens_a_thread_in_the_committee_channel(world: SlackWorld) -> None:
    case = await _open_case(world)
    assert case.thread is not None
    channel, thread_ts = case.thread.id.split("/")
    assert channel == COMMITTEE_CH
    in_thread = world.fake.called("chat.postMessage", channel=COMMITTEE_CH, thread_ts=thread_ts)
    texts = " ".join(c.get("text") for c in in_thread)
    assert case.id in texts and "sustained harassment" in texts
    # No member list and no count: they would single out a member left out of the case
    # (its anonymous reporter). Slack threads have no membership; the channel is private.
    assert not any(f"<@{m}>" in texts for m in (*COMMITTEE, COUNSEL))
    assert "Members taking part" not in texts and "Eligible members" not in texts


async def test_reaction_votes_update_the_tally_and_carry(world: SlackWorld) -> None:
    case = await _open_case(world)
    motion = await _motion(world, case)
    assert motion.message is not None
    names = [c.get("name") for c in world.fake.called("reactions.add", timestamp=motion.message.id)]
    assert names == ["white_check_mark", "x", "heavy_minus_sign"]

    await _react(world, motion, COMMITTEE[0], "white_check_mark")
    updates = world.fake.called("chat.update", ts=motion.message.id)
    assert updates and "Tally" in updates[-1].get("text")

    await _react(world, motion, COMMITTEE[1], "x")
    await _react(world, motion, COMMITTEE[1], "x", added=False)  # withdrawn
    for member in COMMITTEE[1:4]:
        await _react(world, motion, member, "white_check_mark")
    tally = await world.app.services.cases.tally_for(motion.id)
    assert (tally.yes, tally.no) == (4, 0)
    async with world.app.storage.transaction() as tx:
        closed = await tx.get(Motion, motion.id)
    assert closed is not None and closed.status is MotionStatus.CARRIED
    result = world.fake.called("chat.postMessage", channel=COMMITTEE_CH)[-1]
    assert "CARRIED" in result.get("text")
    assert result.params["blocks"][1]["elements"][0]["action_id"] == "coc_apply"


async def test_ineligible_reactions_do_not_count_and_the_voter_is_told_privately(
        world: SlackWorld) -> None:
    case = await _open_case(world)
    motion = await _motion(world, case)
    await _react(world, motion, OUTSIDER, "white_check_mark")
    await _react(world, motion, COMMITTEE[0], "tada")
    tally = await world.app.services.cases.tally_for(motion.id)
    assert tally.yes == 0
    private = {c.get("user"): c.get("text") for c in world.fake.called("chat.postEphemeral")}
    assert "does not count" in private[OUTSIDER] and ":tada:" in private[COMMITTEE[0]]
    # Never announced in the thread: that would single out an ineligible member.
    posted = [c.get("text") for c in world.fake.called("chat.postMessage", channel=COMMITTEE_CH)]
    assert not any("does not count" in t for t in posted)


async def test_recused_member_leaves_and_their_vote_does_not_count(world: SlackWorld) -> None:
    case = await _open_case(world)
    motion = await _motion(world, case)
    await world.command("/recuse", f"{case.id} I work with the subject", user=COMMITTEE[4])
    assert "recused" in world.fake.responses()[-1]
    await _react(world, motion, COMMITTEE[4], "white_check_mark")
    assert (await world.app.services.cases.tally_for(motion.id)).yes == 0
    texts = [c.get("text") for c in world.fake.called("chat.postMessage", channel=COMMITTEE_CH)]
    assert any("conflict of interest" in t and f"<@{COMMITTEE[4]}>" in t for t in texts)
    [told] = [c.get("text") for c in world.fake.called("chat.postEphemeral", user=COMMITTEE[4])]
    assert "You recused yourself" in told and "does not count" in told
    # Not announced in the thread: that would single out an ineligible member.
    assert not any("does not count" in t for t in texts)


async def test_decision_dm_appeal_and_executive_decision(world: SlackWorld) -> None:
    case = await _open_case(world)
    motion = await _motion(world, case)
    for member in COMMITTEE[:4]:
        await _react(world, motion, member, "white_check_mark")
    await world.hear(case.id)
    await world.command("/decide", case.id, user=COMMITTEE[0], channel=COMMITTEE_CH)
    dm = world.fake.called("chat.postMessage", channel=f"D{SUBJECT}")[-1].get("text")
    assert case.id in dm and "appeal" in dm.lower()
    await world.command("/appeal", f"{case.id} The messages were taken out of context.",
                        user=SUBJECT, channel=f"D{SUBJECT}")
    assert "Executive Committee" in world.fake.responses()[-1]
    filed = world.fake.called("chat.postMessage", channel=EXEC_CH)
    assert filed and case.id in filed[-1].get("text")
    appeal_ref = filed[-1].params["text"].split("Appeal ")[1].split("*")[0]
    await world.command("/appeal", f"decide {appeal_ref} upheld The record supports it.",
                        user=EXECUTIVE, channel=EXEC_CH)
    assert "upheld" in world.fake.responses()[-1]
    async with world.app.storage.transaction() as tx:
        final = await tx.get(Case, case.id)
    assert final is not None and final.status is CaseStatus.FINAL


async def test_counsel_overrules_a_carried_motion(world: SlackWorld) -> None:
    case = await _open_case(world)
    motion = await _motion(world, case)
    for member in COMMITTEE[:4]:
        await _react(world, motion, member, "white_check_mark")
    await world.command("/overrule", f"{case.id} exposes the association to liability",
                        user=COMMITTEE[0])
    assert "counsel" in world.fake.responses()[-1].lower()
    await world.command("/overrule", f"{case.id} exposes the association to liability",
                        user=COUNSEL)
    assert "overruled" in world.fake.responses()[-1]


async def test_apply_button_applies_the_decided_suspension(world: SlackWorld) -> None:
    case = await _open_case(world)
    motion = await _motion(world, case)
    for member in COMMITTEE[:4]:
        await _react(world, motion, member, "white_check_mark")
    await world.click("coc_apply", motion.id, user=COMMITTEE[0], channel=COMMITTEE_CH)
    assert "Applied" in world.fake.responses()[-1], world.fake.responses()
    assert world.fake.called("conversations.kick", user=SUBJECT)
