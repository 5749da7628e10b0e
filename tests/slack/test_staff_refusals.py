"""Every staff command on Slack refuses a participant through the service (the listener
checks no role), with the service's words, and changes nothing: the same refusals as on
Discord (tests/discord/test_staff_records.py)."""

from __future__ import annotations

import pytest

from bot.core.models import ENTITY_TYPES, Case, Report, ReportStatus, RequestClaim
from tests.slack.conftest import (
    DISCORD_GUILD,
    OUTSIDER,
    QUEUE,
    REPORTER,
    SUBJECT,
    SlackWorld,
)

ATTEMPTS: dict[str, tuple[str, str, str]] = {
    "unsuspend": ("/unsuspend", f"<@{SUBJECT}>", "Only staff can lift suspensions"),
    "history": ("/history", f"<@{SUBJECT}>", "Only staff can see a member's history"),
    "link": ("/link", f"<@{SUBJECT}> discord:{DISCORD_GUILD}:4242",
             "Only staff can link accounts"),
    "incident reverse": ("/incident", "reverse I-0000000 mine",
                         "Only staff can reverse incidents"),
    "case open": ("/case", f"open <@{SUBJECT}> he was rude", "Only staff can open committee cases"),
    "case show": ("/case", "show {case}",
                  "Only staff, the committee, counsel or the Executive Committee"),
    "case communicated": ("/case", "communicated {case}",
                          "Only staff can record that a decision was communicated"),
    "case close": ("/case", "close {case} amends", "Only staff can close cases"),
    "roster appoint": ("/roster", f"appoint <@{REPORTER}> executive",
                       "Only staff can change the committee roster"),
    "roster show": ("/roster", "show", "Only staff can see the committee roster"),
}


async def snapshot(world: SlackWorld) -> dict[str, list[object]]:
    """Every record but the replay ledger, which notes each request it has seen."""
    async with world.app.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES
                if cls is not RequestClaim}


@pytest.mark.parametrize("name", ATTEMPTS)
async def test_every_staff_command_refuses_a_participant_and_changes_nothing(
        world: SlackWorld, name: str) -> None:
    await world.seat_committee()
    await world.command("/case", f"open <@{SUBJECT}> a dispute between two members")
    async with world.app.storage.transaction() as tx:
        (case,) = await tx.find(Case)
    command, text, refusal = ATTEMPTS[name]
    before = await snapshot(world)
    world.fake.reset()
    await world.command(command, text.format(case=case.id), user=REPORTER)
    (reply,) = world.fake.responses()
    assert refusal in reply and case.id not in reply
    assert await snapshot(world) == before
    assert world.fake.called("chat.postMessage") == []
    assert world.fake.called("chat.update") == []


async def test_a_reported_moderator_cannot_dismiss_the_report_about_them(
        world: SlackWorld) -> None:
    """The staff member a report is about clicks "Dismiss (bad faith)" on it in the queue:
    refused, privately, and the report stays open for another member of staff (a bad-faith
    dismissal would count against the person who reported them). A report about a
    moderator never reaches the queue; this one was queued before they joined the staff."""
    await world.command("/report", f"<@{OUTSIDER}> mocked my accent in #general",
                        user=REPORTER)
    ref = world.fake.called("chat.postMessage", channel=QUEUE)[0].params["blocks"][1][
        "elements"][0]["value"]
    world.fake.usergroups["SSTAFFGROUP"].append(OUTSIDER)  # made a moderator
    world.front.deps.roles._groups.clear()  # as if the five-minute group cache had expired
    before = await snapshot(world)
    world.fake.reset()
    await world.click("coc_triage_badfaith", ref, user=OUTSIDER)
    (reply,) = world.fake.responses()
    assert f"Report {ref} is about you, so you cannot act on it" in reply, reply
    assert await snapshot(world) == before
    assert world.fake.called("chat.update") == [] and world.fake.called("chat.postMessage") == []
    async with world.app.storage.transaction() as tx:
        report = await tx.get(Report, ref)
    assert report is not None and report.status is ReportStatus.OPEN
