"""Many spaces, one committee: two Slack workspaces served by one Bolt app.

Workspace A (``[slack]``, T1) is the committee's home; workspace B (``[[slack.workspaces]]``,
T2) has its own bot token, admin token, staff group, staff queue and managed channels.
The fake Slack knows which workspace each token belongs to: a call with A's token on B's
channel fails as on Slack (``channel_not_found``), so every assertion on a token below is
also an assertion that the call could only have worked with that token.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.errors import PlatformError
from bot.core.identity import PlaceRef, PlatformName
from bot.core.models import (
    Case,
    Incident,
    Report,
    ReportStatus,
    RequestClaim,
    Sanction,
)
from bot.core.ports import Notice, NoticeKind
from tests.fakes.slack import FakeSlack
from tests.slack.conftest import (
    COMMITTEE_CH,
    GENERAL,
    QUEUE,
    REPORTER,
    STAFF_USER,
    SUBJECT,
    TEAM,
    SlackWorld,
    make_world,
)
from tests.slack.helpers import link

B = "T2"
B_TOKEN, B_ADMIN, B_BOT = "xoxb-two", "xoxp-two", "UBOTB"
B_STAFF, CAROL, DAN = "UBSTAFF", "UBCAROL", "UBDAN"
B_GENERAL, B_RANDOM, B_QUEUE = "CBGENERAL", "CBRANDOM", "GBQUEUE"
A_TOKEN = "xoxb-test"

WORKSPACE_B = f"""
[[slack.workspaces]]
name = "Regional chapter"
team_id = "{B}"
bot_token_env = "SLACK_BOT_TOKEN_T2"
admin_token_env = "SLACK_ADMIN_TOKEN_T2"
staff = ["SBSTAFF"]
staff_queue_channel = "{B_QUEUE}"
managed_channels = ["{B_GENERAL}", "{B_RANDOM}"]
"""
B_ENV = {"SLACK_BOT_TOKEN_T2": B_TOKEN, "SLACK_ADMIN_TOKEN_T2": B_ADMIN}


def seed_b(fake: FakeSlack) -> None:
    """Workspace B: its people, channels and staff group, none of them A's."""
    fake.add_team(B, B_TOKEN, bot_user=B_BOT, admin_token=B_ADMIN)
    people = [B_STAFF, CAROL, DAN]
    fake.place(B, *people, B_BOT, B_GENERAL, B_RANDOM, B_QUEUE, "SBSTAFF")
    fake.users += people
    fake.usergroups["SBSTAFF"] = [B_STAFF]
    fake.members |= {B_GENERAL: set(people), B_RANDOM: set(people), B_QUEUE: {B_STAFF}}
    fake.private.add(B_QUEUE)


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[SlackWorld]:
    async for built in make_world(tmp_path, extra_config=WORKSPACE_B, env=B_ENV,
                                  seed_more=seed_b):
        yield built


def tokens(fake: FakeSlack, method: str, **match: str) -> set[str | None]:
    return {call.token for call in fake.called(method, **match)}


async def test_a_report_in_b_goes_to_b_queue_with_b_token(two: SlackWorld) -> None:
    fake = two.fake
    assert await two.command("/report", f"<@{DAN}> keeps insulting me", user=CAROL,
                             channel=B_GENERAL, team=B) == 200
    assert tokens(fake, "chat.postMessage", channel=B_QUEUE) == {B_TOKEN}
    assert "keeps insulting me" in fake.called("chat.postMessage", channel=B_QUEUE)[0].text
    assert fake.called("chat.postMessage", channel=QUEUE) == []
    async with two.app.storage.transaction() as tx:
        (report,) = await tx.find(Report)
    assert report.reporter == two.person(CAROL, B) and report.target == two.person(DAN, B)
    assert "R-" in fake.responses()[-1]


async def test_staff_of_a_are_not_staff_in_b(two: SlackWorld) -> None:
    """A's staff member clicks Dismiss on B's report (a forged click in A's queue, and the
    same click in B): staff are staff of their own workspace; nothing changes."""
    fake = two.fake
    await two.command("/report", f"<@{DAN}> was rude", user=CAROL, channel=B_GENERAL, team=B)
    ref = fake.called("chat.postMessage", channel=B_QUEUE)[0].params["blocks"][1][
        "elements"][0]["value"]
    fake.reset()
    await two.click("coc_triage_dismiss", ref, user=STAFF_USER)  # from A, A's staff
    await two.click("coc_triage_dismiss", ref, user=STAFF_USER, channel=B_QUEUE, team=B)
    await two.command("/suspend", f"<@{DAN}> 7d workspace rude", user=STAFF_USER,
                      channel=B_GENERAL, team=B)
    said = fake.responses()
    assert len(said) == 3
    assert said[0].startswith("You are staff of another space") and "(slack T2)" in said[0]
    assert said[1:] == ["Only staff can dismiss reports.", "Only staff can suspend members."]
    async with two.app.storage.transaction() as tx:
        (report,) = await tx.find(Report)
        assert await tx.find(Sanction) == []
    assert report.status is ReportStatus.OPEN
    assert fake.called("conversations.kick") == [] and fake.called("chat.update") == []


async def test_an_incident_in_b_dms_the_person_and_acts_with_b_tokens(
        two: SlackWorld) -> None:
    fake = two.fake
    ts = fake.add_message(B_GENERAL, DAN, "you are all idiots")
    await two.command("/remove", f"{link(B_GENERAL, ts)} no-harassment", user=B_STAFF,
                      channel=B_GENERAL, team=B)
    assert tokens(fake, "chat.delete", channel=B_GENERAL) == {B_ADMIN}
    assert tokens(fake, "conversations.open", users=DAN) == {B_TOKEN}
    assert tokens(fake, "chat.postMessage", channel=f"D{DAN}") == {B_TOKEN}
    # the committee's summary goes to the home's channel, with the home's token
    assert tokens(fake, "chat.postMessage", channel=COMMITTEE_CH) == {A_TOKEN}
    assert "Removed." in fake.responses()[-1]
    async with two.app.storage.transaction() as tx:
        (incident,) = await tx.find(Incident)
    assert incident.subject == two.person(DAN, B)


async def test_a_suspension_in_b_is_lifted_by_the_scheduler_with_b_token(
        two: SlackWorld) -> None:
    fake = two.fake
    await two.command("/suspend", f"<@{DAN}> 1d workspace insults", user=B_STAFF,
                      channel=B_GENERAL, team=B)
    assert {c.get("channel") for c in fake.called("conversations.kick")} == {B_GENERAL,
                                                                            B_RANDOM}
    assert tokens(fake, "conversations.kick") == {B_TOKEN}
    fake.reset()
    two.clock.advance(timedelta(days=1, minutes=1))
    await two.app.timed.run_due()
    assert {c.get("channel") for c in fake.called("conversations.invite")} == {B_GENERAL,
                                                                              B_RANDOM}
    assert tokens(fake, "conversations.invite") == {B_TOKEN}
    assert DAN in fake.members[B_GENERAL]


async def test_one_person_linked_across_a_and_b_has_one_history(two: SlackWorld) -> None:
    fake = two.fake
    ts = fake.add_message(GENERAL, SUBJECT, "insult in A")
    await two.command("/remove", f"{link(GENERAL, ts)} no-harassment")
    ts = fake.add_message(B_GENERAL, DAN, "insult in B")
    await two.command("/remove", f"{link(B_GENERAL, ts)} no-harassment", user=B_STAFF,
                      channel=B_GENERAL, team=B)
    await two.command("/link", f"<@{SUBJECT}> slack:{B}:{DAN}")
    assert "Linked" in fake.responses()[-1]
    await two.command("/history", f"<@{SUBJECT}>")
    from_a = fake.responses()[-1]
    await two.command("/history", f"<@{DAN}>", user=B_STAFF, channel=B_GENERAL, team=B)
    from_b = fake.responses()[-1]
    for seen in (from_a, from_b):
        assert "Incidents (2)" in seen
        assert f"slack:{TEAM}:{SUBJECT}" in seen and f"slack:{B}:{DAN}" in seen


async def test_a_bare_mention_links_within_the_workspace_it_was_typed_in(
        two: SlackWorld) -> None:
    """``/link @x @y`` typed in B names two accounts of B, not of the first workspace."""
    await two.command("/link", f"<@{DAN}> <@{CAROL}>", user=B_STAFF, channel=B_GENERAL,
                      team=B)
    assert "Linked" in two.fake.responses()[-1]
    staff = await two.front.by_team[B].actor(B_STAFF)
    history = await two.app.services.people.history(staff, two.person(CAROL, B))
    assert set(history.accounts) >= {two.person(DAN, B), two.person(CAROL, B)}


async def test_a_signed_request_for_an_unknown_workspace_changes_nothing(
        two: SlackWorld) -> None:
    fake = two.fake
    fake.reset()
    for team in ("T9UNKNOWN", B.lower()):
        body = two.command_body("/report", f"<@{DAN}> was rude", CAROL, B_GENERAL, team)
        resp = await two.post(body, "application/x-www-form-urlencoded")
        assert resp.status == 200
        assert await two.event({"type": "message", "channel": B_GENERAL, "user": DAN,
                                "text": "you idiot", "ts": "1767600000.999999"},
                               team=team) == 200
    assert fake.calls == []  # no token looked up, nothing answered, nothing sent
    async with two.app.storage.transaction() as tx:
        assert await tx.count(Report) == 0 and await tx.count(Incident) == 0
        assert await tx.find(RequestClaim) == []


async def test_a_workspace_token_never_reaches_another_workspace(two: SlackWorld) -> None:
    """The fake refuses as Slack does, and the port routes by the reference's workspace."""
    a = two.front.platform.at(TEAM)
    with pytest.raises(PlatformError):
        await a.post_in(PlaceRef(PlatformName.SLACK, TEAM, B_QUEUE),
                        Notice(NoticeKind.INFO, "misrouted"))
    assert two.fake.called("chat.postMessage", channel=B_QUEUE)[-1].token == A_TOKEN
    await two.front.platform.post_in(PlaceRef(PlatformName.SLACK, B, B_QUEUE),
                                     Notice(NoticeKind.INFO, "routed"))
    assert two.fake.called("chat.postMessage", channel=B_QUEUE)[-1].token == B_TOKEN
    with pytest.raises(PlatformError, match="not in the configuration"):
        await two.front.platform.send_dm(two.person(DAN, "T9UNKNOWN"),
                                         Notice(NoticeKind.INFO, "nowhere"))


async def test_a_token_of_another_workspace_is_refused_not_used(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """B's variable holds A's token by mistake: B's requests are not served with it, and
    the operator reads why once, not once per request."""
    async for world in make_world(tmp_path, extra_config=WORKSPACE_B,
                                  env={"SLACK_BOT_TOKEN_T2": A_TOKEN}, seed_more=seed_b):
        world.fake.reset()
        caplog.set_level(logging.INFO)
        for _ in range(2):
            await world.command("/report", f"<@{DAN}> was rude", user=CAROL,
                                channel=B_GENERAL, team=B)
        # one check of the token (it answers for A), none again per request; the person
        # is told nothing was done, and nothing else reaches Slack
        assert [c.method for c in world.fake.calls] == [
            "auth.test", "response_url", "response_url"]
        assert "Nothing was done" in world.fake.responses()[0]
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and f"configured for workspace {B} belongs to" in errors[0]
        async with world.app.storage.transaction() as tx:
            assert await tx.count(Report) == 0
        # A is still served
        assert await world.command("/report", f"<@{SUBJECT}> was rude", user=REPORTER) == 200
        assert world.fake.called("chat.postMessage", channel=QUEUE)


async def test_a_case_from_b_is_heard_by_the_committee_in_a(two: SlackWorld) -> None:
    """The case thread is in the home's committee channel (A's token); the subject, a
    member of B only, is asked for a statement in B (B's token)."""
    fake = two.fake
    await two.command("/case", f"open <@{DAN}> serious Threats in the regional workspace",
                      user=B_STAFF, channel=B_GENERAL, team=B)
    assert "C-" in fake.responses()[-1]
    opened = fake.called("chat.postMessage", channel=COMMITTEE_CH)
    assert opened and {c.token for c in opened} == {A_TOKEN}
    assert "Threats in the regional workspace" in " ".join(c.text for c in opened)
    assert tokens(fake, "chat.postMessage", channel=f"D{DAN}") == {B_TOKEN}
    async with two.app.storage.transaction() as tx:
        (case,) = await tx.find(Case)
    assert case.subject == two.person(DAN, B)
