"""Staff on Slack: removal (with and without the admin token), suspensions, history, link."""

from __future__ import annotations

from datetime import timedelta

from bot.core.identity import PersonRef, PlatformName
from bot.core.models import Actor, IncidentKind, PersonLink, Role, SanctionStatus
from bot.core.ports import Audience
from bot.core.services import IncidentDraft
from tests.slack.conftest import (
    COMMITTEE_CH,
    DISCORD_GUILD,
    GENERAL,
    QUEUE,
    RANDOM,
    REPORTER,
    STAFF_USER,
    SUBJECT,
    SlackWorld,
)
from tests.slack.helpers import link


async def test_remove_deletes_with_the_admin_token_and_explains_the_clause(
        world: SlackWorld) -> None:
    ts = world.fake.add_message(GENERAL, SUBJECT, "buy my course, 50% off")
    await world.command("/remove", f"{link(GENERAL, ts)} no-restricted-content")
    deleted = world.fake.called("chat.delete", channel=GENERAL, ts=ts)
    assert len(deleted) == 1 and deleted[0].token == "xoxp-admin"
    assert (GENERAL, ts) not in world.fake.messages
    dm = world.fake.called("chat.postMessage", channel=f"D{SUBJECT}")
    assert len(dm) == 1
    clause = world.app.settings.code.clause("no-restricted-content")
    assert clause.title in dm[0].get("text") and "/report" in dm[0].get("text")
    assert world.fake.called("chat.postMessage", channel=COMMITTEE_CH)  # the summary
    assert "Removed." in world.fake.responses()[-1]


async def test_without_admin_token_staff_are_asked_to_delete_by_hand(
        world_no_admin: SlackWorld) -> None:
    world = world_no_admin
    ts = world.fake.add_message(GENERAL, SUBJECT, "buy my course")
    await world.command("/remove", f"{link(GENERAL, ts)} no-restricted-content")
    assert world.fake.called("chat.delete") == []
    assert (GENERAL, ts) in world.fake.messages
    queue = [c.get("text") for c in world.fake.called("chat.postMessage", channel=QUEUE)]
    assert any("delete it by hand" in t for t in queue)
    assert world.fake.called("chat.postMessage", channel=f"D{SUBJECT}")  # still told
    assert "SLACK_ADMIN_TOKEN" in world.fake.responses()[-1]


async def test_remove_without_clause_asks_with_a_select(world: SlackWorld) -> None:
    ts = world.fake.add_message(GENERAL, SUBJECT, "you idiot")
    await world.command("/remove", link(GENERAL, ts))
    block = world.fake.called("response_url")[-1].params["blocks"][1]
    options = [o["value"] for o in block["elements"][0]["options"]]
    assert "no-harassment" in options
    await world.select(block["block_id"], "no-harassment")
    assert world.fake.called("chat.delete", channel=GENERAL, ts=ts)


async def test_remove_shortcut_offers_the_clause_select(world: SlackWorld) -> None:
    ts = world.fake.add_message(GENERAL, SUBJECT, "you idiot")
    await world.shortcut("remove_message", GENERAL, ts, SUBJECT, "you idiot", user=STAFF_USER)
    block = world.fake.called("response_url")[-1].params["blocks"][1]
    assert block["block_id"] == f"coc_rm:m:{GENERAL}:{ts}:{SUBJECT}"


async def test_participants_cannot_remove_or_suspend(world: SlackWorld) -> None:
    ts = world.fake.add_message(GENERAL, SUBJECT, "hello")
    await world.command("/remove", f"{link(GENERAL, ts)} no-harassment", user=REPORTER)
    await world.command("/suspend", f"<@{SUBJECT}> 7d workspace rude", user=REPORTER)
    assert all("Only staff can" in r for r in world.fake.responses())
    assert world.fake.called("chat.delete") == []
    assert world.fake.called("conversations.kick") == []


async def test_workspace_suspension_kicks_everywhere_rekicks_and_lifts(
        world: SlackWorld) -> None:
    await world.command("/suspend", f"<@{SUBJECT}|s> 7d workspace repeated insults")
    kicks = {c.get("channel") for c in world.fake.called("conversations.kick", user=SUBJECT)}
    assert kicks == {GENERAL, RANDOM}
    dm = world.fake.called("chat.postMessage", channel=f"D{SUBJECT}")[0].get("text")
    assert "repeated insults" in dm and "Until" in dm and "appeal" in dm.lower()
    dm_index = world.fake.calls.index(world.fake.called("chat.postMessage",
                                                        channel=f"D{SUBJECT}")[0])
    kick_index = world.fake.calls.index(world.fake.called("conversations.kick")[0])
    assert dm_index < kick_index  # told in writing before access goes

    world.fake.members[GENERAL].add(SUBJECT)  # they rejoin
    await world.event({"type": "member_joined_channel", "user": SUBJECT, "channel": GENERAL,
                       "team": "T1"})
    assert len(world.fake.called("conversations.kick", user=SUBJECT, channel=GENERAL)) == 2

    world.clock.advance(timedelta(days=7, minutes=1))
    assert await world.app.timed.run_due() is not None
    invited = {c.get("channel") for c in world.fake.called("conversations.invite")}
    assert invited == {GENERAL, RANDOM}
    assert SUBJECT in world.fake.members[GENERAL]


async def test_channel_suspension_from_the_queue_form_then_unsuspend(world: SlackWorld) -> None:
    ts = world.fake.add_message(RANDOM, SUBJECT, "spam spam")
    await world.command("/report", f"{link(RANDOM, ts)} spamming", user=REPORTER)
    ref = world.fake.called("chat.postMessage", channel=QUEUE)[0].params["blocks"][1][
        "elements"][0]["value"]
    await world.click("coc_triage_suspend", ref)
    view = world.last_view()
    assert view["callback_id"] == "coc_suspend"
    await world.submit_view(view, {
        "duration": {"type": "plain_text_input", "value": "2d"},
        "scope": {"type": "static_select", "selected_option": {"value": "channel"}},
        "clause": {"type": "static_select",
                   "selected_option": {"value": "no-unsolicited-repetition"}},
        "reason": {"type": "plain_text_input", "value": "flooding the channel"}},
        user=STAFF_USER)
    assert [c.get("channel") for c in world.fake.called("conversations.kick")] == [RANDOM]
    assert world.fake.called("chat.postEphemeral", user=STAFF_USER)
    await world.command("/unsuspend", f"<@{SUBJECT}> apologised")
    assert [c.get("channel") for c in world.fake.called("conversations.invite")] == [RANDOM]
    sanctions = await world.app.services.sanctions.active_for(world.person(SUBJECT))
    assert sanctions == []
    assert "Lifted S-" in world.fake.responses()[-1]


async def test_suspending_a_committee_member_needs_confirmation(world: SlackWorld) -> None:
    await world.command("/suspend", "<@UC1> 1d workspace heated words")
    assert world.fake.called("conversations.kick") == []
    assert "confirm" in world.fake.responses()[-1].lower()
    await world.command("/suspend", "<@UC1> 1d workspace heated words confirm")
    assert world.fake.called("conversations.kick", user="UC1")


async def _discord_incident(world: SlackWorld, discord_user: PersonRef) -> None:
    staff = Actor(PersonRef(PlatformName.DISCORD, DISCORD_GUILD, "1"), frozenset({Role.STAFF}))
    await world.app.services.incidents.handle(staff, IncidentDraft(
        subject=discord_user, kind=IncidentKind.WARNING, clause_id="no-harassment"))


async def _slack_incident(world: SlackWorld) -> None:
    ts = world.fake.add_message(GENERAL, SUBJECT, "insult")
    await world.command("/remove", f"{link(GENERAL, ts)} no-harassment")


async def test_unlinked_accounts_have_two_histories(world: SlackWorld) -> None:
    discord_user = PersonRef(PlatformName.DISCORD, DISCORD_GUILD, "4242")
    await _discord_incident(world, discord_user)
    await _slack_incident(world)
    await world.command("/history", f"<@{SUBJECT}>")
    history = world.fake.responses()[-1]
    assert "Incidents (1)" in history and "discord" not in history


async def test_link_merges_discord_and_slack_histories(world: SlackWorld) -> None:
    discord_user = PersonRef(PlatformName.DISCORD, DISCORD_GUILD, "4242")
    await _discord_incident(world, discord_user)
    await _slack_incident(world)
    await world.command("/link", f"<@{SUBJECT}> discord:{DISCORD_GUILD}:4242")
    assert "Linked" in world.fake.responses()[-1]
    await world.command("/history", f"<@{SUBJECT}>")
    history = world.fake.responses()[-1]
    assert "Incidents (2)" in history
    assert f"discord:{DISCORD_GUILD}:4242" in history and f"slack:T1:{SUBJECT}" in history
    staff = Actor(world.person(STAFF_USER), frozenset({Role.STAFF}))
    from_discord = await world.app.services.people.history(staff, discord_user)
    assert len(from_discord.incidents) == 2


async def test_participant_cannot_link_or_read_history(world: SlackWorld) -> None:
    await world.command("/link", f"<@{SUBJECT}> discord:{DISCORD_GUILD}:4242", user=REPORTER)
    await world.command("/history", f"<@{SUBJECT}>", user=REPORTER)
    assert "Only staff can link accounts" in world.fake.responses()[0]
    assert "Only staff can see a member's history" in world.fake.responses()[1]
    async with world.app.storage.transaction() as tx:
        assert await tx.find(PersonLink) == []


async def test_lifted_sanction_is_recorded(world: SlackWorld) -> None:
    await world.command("/suspend", f"<@{SUBJECT}> 30m workspace cool down")
    world.clock.advance(timedelta(minutes=31))
    await world.app.timed.run_due()
    sanction = (await world.app.services.people.history(
        Actor(world.person(STAFF_USER), frozenset({Role.STAFF})),
        world.person(SUBJECT))).sanctions[0]
    assert sanction.status is SanctionStatus.LIFTED
    assert Audience.STAFF  # the queue channel is the staff audience on Slack


async def test_removing_a_committee_members_message_needs_confirm(world: SlackWorld) -> None:
    ts = world.fake.add_message(GENERAL, "UC1", "an off-colour joke")
    await world.command("/remove", f"{link(GENERAL, ts)} no-hate")
    assert "confirm" in world.fake.responses()[-1]
    assert world.fake.called("chat.delete") == []
    assert world.fake.called("chat.postMessage", channel="DUC1") == []
    await world.command("/remove", f"{link(GENERAL, ts)} no-hate confirm")
    assert len(world.fake.called("chat.delete", channel=GENERAL, ts=ts)) == 1
