"""The App Home tab: published when a person opens it, showing what they may do.

Staff see the queue with its buttons; a committee member their cases and pending votes,
never a case they are a party to; everyone how to report, their own open reports (status
only) and the Code to accept. An anonymous reporter is never revealed.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.core.models import Acceptance, Case, Report, ReportStatus
from tests.slack.conftest import (
    COMMITTEE,
    COMMITTEE_CH,
    GENERAL,
    REPORTER,
    STAFF_USER,
    SUBJECT,
    SlackWorld,
)
from tests.slack.helpers import eventually
from tests.slack.test_committee import _motion, _react
from tests.slack.test_conflicts import open_case_about


async def open_home(world: SlackWorld, user: str) -> dict[str, Any]:
    world.fake.homes.pop(user, None)
    assert await world.event({"type": "app_home_opened", "user": user, "tab": "home",
                              "channel": f"D{user}"}) == 200
    await eventually(lambda: user in world.fake.homes)
    return world.fake.homes[user]


def sections(view: dict[str, Any]) -> list[str]:
    return [b["block_id"].removeprefix("home:") for b in view["blocks"]
            if b["type"] == "header"]


def buttons(view: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["action_id"], e["value"]) for b in view["blocks"] if b["type"] == "actions"
            for e in b["elements"]]


async def report(world: SlackWorld, text: str, user: str = REPORTER) -> Report:
    await world.command("/report", text, user=user, channel=GENERAL)
    async with world.app.storage.transaction() as tx:
        found = await tx.find(Report, order_by="created_at")
    assert found, world.fake.responses()
    return found[-1]


async def test_staff_see_the_queue_oldest_first_with_its_buttons(world: SlackWorld) -> None:
    first = await report(world, f"<@{SUBJECT}> threatened me")
    world.clock.advance(timedelta(minutes=5))
    second = await report(world, f"anonymous <@{SUBJECT}> slurs again")
    view = await open_home(world, STAFF_USER)
    assert sections(view) == ["staff", "participant"]
    triage = [b for b in buttons(view) if b[0].startswith("coc_home_triage_")]
    assert [v for _, v in triage[::5]] == [first.id, second.id]  # oldest first
    assert {a for a, _ in triage} == {f"coc_home_triage_{a}" for a in
                                      ("dismiss", "badfaith", "remove", "suspend", "escalate")}
    assert ("coc_home_form", "suspend") in buttons(view)
    assert "anonymous reporter" in json.dumps(view)
    assert json.dumps(view).count(REPORTER) == 1  # the named report only, not the anonymous


async def test_an_anonymous_reporter_is_never_in_the_home(world: SlackWorld) -> None:
    await report(world, f"anonymous <@{SUBJECT}> slurs again")
    for user in (STAFF_USER, COMMITTEE[0], SUBJECT):
        assert REPORTER not in json.dumps(await open_home(world, user)), user


async def test_a_participant_sees_how_to_report_their_reports_and_the_code(
        world: SlackWorld) -> None:
    mine = await report(world, f"<@{SUBJECT}> threatened me")
    view = await open_home(world, REPORTER)
    text = json.dumps(view, ensure_ascii=False)
    assert sections(view) == ["participant"]
    assert "To report something to staff" in text
    assert f"Your report {mine.id}: open" in text
    assert "threatened" not in text  # status only
    accept = [b for b in buttons(view) if b[0] == "coc_home_accept"]
    assert len(accept) == 1
    assert not [b for b in buttons(view) if "triage" in b[0]]

    await world.home_action("coc_home_accept", accept[0][1], user=REPORTER)
    await eventually(lambda: REPORTER in world.fake.homes
                     and "coc_home_accept" not in json.dumps(world.fake.homes[REPORTER]))
    async with world.app.storage.transaction() as tx:
        assert await tx.find(Acceptance, version_id=accept[0][1])


async def test_a_committee_member_sees_their_cases_and_pending_votes(
        world: SlackWorld) -> None:
    case = await open_case_about(world, SUBJECT)
    motion = await _motion(world, case)
    view = await open_home(world, COMMITTEE[1])
    text = json.dumps(view, ensure_ascii=False)
    assert sections(view) == ["committee", "participant"]
    assert ("coc_home_show_case", case.id) in buttons(view)
    assert f"Motion *{motion.id}*" in text
    await _react(world, motion, COMMITTEE[1], "white_check_mark")
    assert motion.id not in json.dumps(await open_home(world, COMMITTEE[1]))


async def test_a_conflicted_member_is_offered_nothing_on_their_own_case(
        world: SlackWorld) -> None:
    """The subject, and the anonymous reporter of an escalated report, see no action on
    the case; another member does, without learning who reported it."""
    await world.seat_committee()
    anonymous = await report(world, f"anonymous <@{SUBJECT}> threatens people",
                             user=COMMITTEE[2])
    await world.click("coc_triage_escalate", anonymous.id)
    await eventually(lambda: any("Case" in r for r in world.fake.responses()))
    own = await open_case_about_member(world)
    escalated = await case_of(world, anonymous.id)
    subject_view = await open_home(world, COMMITTEE[1])
    assert own not in json.dumps(subject_view)
    assert ("coc_home_show_case", escalated) in buttons(subject_view)
    reporter_view = await open_home(world, COMMITTEE[2])
    assert escalated not in json.dumps(reporter_view)
    assert ("coc_home_show_case", own) in buttons(reporter_view)
    other = await open_home(world, COMMITTEE[3])
    assert {("coc_home_show_case", escalated), ("coc_home_show_case", own)} <= set(
        buttons(other))
    assert COMMITTEE[2] not in json.dumps(other)


async def open_case_about_member(world: SlackWorld) -> str:
    await world.command("/case", f"open <@{COMMITTEE[1]}> harassment in #general")
    async with world.app.storage.transaction() as tx:
        [case] = await tx.find(Case, subject=world.person(COMMITTEE[1]))
    return case.id


async def case_of(world: SlackWorld, report_id: str) -> str:
    async with world.app.storage.transaction() as tx:
        stored = await tx.get(Report, report_id)
    assert stored is not None and stored.case_id is not None
    return stored.case_id


async def test_triage_from_the_home_acts_replies_by_dm_and_refreshes(
        world: SlackWorld) -> None:
    filed = await report(world, f"<@{SUBJECT}> spam")
    await open_home(world, STAFF_USER)
    world.fake.homes.pop(STAFF_USER)
    await world.home_action("coc_home_triage_dismiss", filed.id, user=STAFF_USER)
    await eventually(lambda: STAFF_USER in world.fake.homes)
    assert filed.id not in json.dumps(world.fake.homes[STAFF_USER])
    async with world.app.storage.transaction() as tx:
        stored = await tx.get(Report, filed.id)
    assert stored is not None and stored.status is ReportStatus.DISMISSED
    assert world.fake.called("chat.postMessage", channel=f"D{STAFF_USER}")  # the reply


async def test_opening_the_messages_tab_draws_no_home(world: SlackWorld) -> None:
    """``app_home_opened`` for the Messages tab draws nothing."""
    await world.event({"type": "app_home_opened", "user": REPORTER, "tab": "messages",
                       "channel": f"D{REPORTER}"})
    await world.command("/code", "", user=REPORTER, channel=COMMITTEE_CH)  # a later signal
    await eventually(lambda: bool(world.fake.called("response_url")))
    assert not world.fake.called("views.publish")
