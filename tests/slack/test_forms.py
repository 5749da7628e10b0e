"""The forms (modals) for suspend, motion, roster appoint and case actions.

A command alone opens its form (recorded by the fake's ``views.open``); a signed
``view_submission`` then runs the same flow as the one-line command. A field the flow
refuses is shown beside the field (``response_action: errors``) and nothing changes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.core.models import Appointment, Case, Motion, Office, Sanction, SanctionScope
from tests.slack.conftest import (
    COMMITTEE,
    COMMITTEE_CH,
    COUNSEL,
    GENERAL,
    OUTSIDER,
    SUBJECT,
    SlackWorld,
)
from tests.slack.helpers import eventually
from tests.slack.test_conflicts import open_case_about


def text(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def user(value: str) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": value}


def choice(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def ticked() -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [{"value": "yes"}]}


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"]]


async def rows(world: SlackWorld, cls: type[Any]) -> list[Any]:
    async with world.app.storage.transaction() as tx:
        return await tx.find(cls)


async def suspend_form(world: SlackWorld) -> dict[str, Any]:
    assert await world.command("/suspend", "", channel=GENERAL) == 200
    view = world.last_view()
    assert view["callback_id"] == "coc_suspend"
    return view


def suspension(person: str, duration: str = "7d", **more: Any) -> dict[str, Any]:
    return {"person": user(person), "duration": text(duration), "scope": choice("space"),
            "clause": choice("no-harassment"), "reason": text("threats in #general"), **more}


async def test_suspend_alone_opens_a_form_whose_submission_suspends(world: SlackWorld) -> None:
    view = await suspend_form(world)
    assert block_ids(view) == ["person", "duration", "scope", "clause", "reason", "review",
                              "confirm"]
    clause_options = [o["value"] for o in view["blocks"][3]["element"]["options"]]
    assert "no-harassment" in clause_options and len(clause_options) > 3

    answer = await world.submit_form(view, suspension(SUBJECT))

    assert answer == {}  # the form closes
    sanctions = await rows(world, Sanction)
    assert [(s.subject.id, s.scope, s.clause_id) for s in sanctions] == [
        (SUBJECT, SanctionScope.SPACE, "no-harassment")]
    await eventually(lambda: any("Suspended" in c.text or sanctions[0].id in c.text
                                 for c in world.fake.called("chat.postEphemeral")))


async def test_a_bad_duration_is_shown_beside_the_field_and_nothing_changes(
        world: SlackWorld) -> None:
    view = await suspend_form(world)
    answer = await world.submit_form(view, suspension(SUBJECT, "seven days"))
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"duration"}
    forged = await world.submit_form(view, {**suspension(SUBJECT),
                                            "clause": choice("no-such-clause")})
    assert set(forged["errors"]) == {"clause"}
    assert await rows(world, Sanction) == []
    assert not world.fake.called("conversations.kick")


async def test_suspending_a_protected_person_needs_the_confirm_box(world: SlackWorld) -> None:
    view = await suspend_form(world)
    answer = await world.submit_form(view, suspension(COUNSEL))
    assert set(answer["errors"]) == {"confirm"}
    assert "protected role" in answer["errors"]["confirm"]
    assert await rows(world, Sanction) == []
    assert await world.submit_form(view, suspension(COUNSEL, confirm=ticked())) == {}
    assert [s.subject.id for s in await rows(world, Sanction)] == [COUNSEL]


async def test_the_form_is_not_opened_for_someone_who_may_not_suspend(
        world: SlackWorld) -> None:
    await world.command("/suspend", "", user=OUTSIDER)
    assert not world.fake.called("views.open")
    assert any("staff" in r.lower() for r in world.fake.responses())


async def test_a_forged_submission_by_a_non_member_of_staff_changes_nothing(
        world: SlackWorld) -> None:
    view = await suspend_form(world)
    assert await world.submit_form(view, suspension(SUBJECT), user=OUTSIDER) == {}
    await eventually(lambda: bool(world.fake.called("chat.postEphemeral", user=OUTSIDER)))
    assert await rows(world, Sanction) == []


async def test_the_motion_form_offers_only_the_cases_the_member_may_act_on(
        world: SlackWorld) -> None:
    case = await open_case_about(world, COMMITTEE[1])  # a member is the subject
    await world.command("/motion", "", user=COMMITTEE[0], channel=COMMITTEE_CH)
    view = world.last_view()
    assert view["callback_id"] == "coc_motion"
    assert [o["value"] for o in view["blocks"][0]["element"]["options"]] == [case.id]

    opened = len(world.fake.called("views.open"))
    await world.command("/motion", "", user=COMMITTEE[1], channel=COMMITTEE_CH)
    assert len(world.fake.called("views.open")) == opened  # the subject gets no form
    assert "no open case" in world.fake.responses()[-1]


async def test_a_motion_from_the_form_is_put_to_the_vote(world: SlackWorld) -> None:
    case = await open_case_about(world, SUBJECT)
    await world.command("/motion", "", user=COMMITTEE[0], channel=COMMITTEE_CH)
    view = world.last_view()
    bad = await world.submit_form(view, {"case": choice(case.id), "text": text("Suspend"),
                                         "duration": text("a while")}, user=COMMITTEE[0])
    assert set(bad["errors"]) == {"duration"}
    assert await rows(world, Motion) == []

    answer = await world.submit_form(view, {
        "case": choice(case.id), "text": text("Suspend for 30 days"),
        "duration": text("30d"), "clause": choice("no-harassment")}, user=COMMITTEE[0])
    assert answer == {}
    motions = await rows(world, Motion)
    assert [(m.case_id, m.sanction_duration, m.sanction_clause) for m in motions] == [
        (case.id, "30d", "no-harassment")]


async def test_roster_appoint_alone_opens_a_form_that_seats_someone(world: SlackWorld) -> None:
    await world.command("/roster", "appoint")
    view = world.last_view()
    assert view["callback_id"] == "coc_appoint"
    assert block_ids(view) == ["person", "office", "seat", "start", "confirm"]
    wrong = await world.submit_form(view, {"person": user(COMMITTEE[0]),
                                           "office": choice("counsel"), "seat": choice("2")})
    assert set(wrong["errors"]) == {"seat"}
    assert await rows(world, Appointment) == []

    answer = await world.submit_form(view, {
        "person": user(COMMITTEE[0]), "office": choice("committee"), "seat": choice("2"),
        "start": {"type": "datepicker", "selected_date": "2025-09-01"}})
    assert answer == {}
    seated = await rows(world, Appointment)
    assert [(a.person.id, a.office, a.seat, a.term_start) for a in seated] == [
        (COMMITTEE[0], Office.COMMITTEE, 2, date(2025, 9, 1))]


async def test_the_case_form_opens_and_closes_cases(world: SlackWorld) -> None:
    await world.seat_committee()
    await world.command("/case", "")
    view = world.last_view()
    assert view["callback_id"] == "coc_case"
    missing = await world.submit_form(view, {"action": choice("open"),
                                             "text": text("threats")})
    assert set(missing["errors"]) == {"person"}
    assert await rows(world, Case) == []

    assert await world.submit_form(view, {"action": choice("open"), "person": user(SUBJECT),
                                          "text": text("threats to two members")}) == {}
    [case] = await rows(world, Case)
    no_reason = await world.submit_form(view, {"action": choice("close"),
                                               "case": text(case.id)})
    assert set(no_reason["errors"]) == {"text"}
    assert await world.submit_form(view, {"action": choice("close"), "case": text(case.id),
                                          "text": text("withdrawn")}) == {}
    [closed] = await rows(world, Case)
    assert closed.status.value == "closed"
