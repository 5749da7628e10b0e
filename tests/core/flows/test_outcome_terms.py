"""The review period and the public statement through the committee and staff flows (what
``/motion``, ``/suspend``, their Slack forms and the Apply button call): the refusal of a
review without a suspension lives in the flow, a form's checks refuse what the submission
would, and the Apply reply states the review date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.errors import InvalidInput
from bot.core.flows.committee import CommitteeFlows
from bot.core.flows.staff import StaffFlows
from bot.core.models import ENTITY_TYPES, Case, CaseOrigin, Motion, Sanction, VoteChoice
from bot.core.services.public_statements import STATEMENT_LIMIT
from tests.core.flows.test_outcomes import NoDirectory
from tests.core.harness import STAFF, Harness, committee_actor, person

SUBJECT = person("subject")


async def snapshot(h: Harness) -> dict[str, list[object]]:
    async with h.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


async def open_case(h: Harness) -> tuple[list[object], Case]:
    members = await h.seat_committee()
    case = await h.services.cases.open(STAFF.person, SUBJECT, "threats in #general",
                                       origin=CaseOrigin.STAFF)
    return list(members), case


async def test_a_review_without_a_suspension_is_refused_by_the_flow(harness: Harness) -> None:
    h = harness
    members, case = await open_case(h)
    before = await snapshot(h)
    with pytest.raises(InvalidInput, match="goes with the permanent suspension"):
        await CommitteeFlows(h.services).motion(committee_actor(members[0]), case.id,
                                                "Remove", review="1y")
    assert await snapshot(h) == before


async def test_a_motion_carries_its_review_and_statement_to_apply(harness: Harness) -> None:
    h = harness
    members, case = await open_case(h)
    flows = CommitteeFlows(h.services)
    outcome = await flows.motion(committee_actor(members[0]), case.id, "Remove permanently",
                                 suspend_for="permanent", review="1y",
                                 statement="A member was removed.")
    assert outcome.text and "is open for votes" in outcome.text
    async with h.storage.transaction() as tx:
        (motion,) = await tx.find(Motion, case_id=case.id)
    assert (motion.sanction_duration, motion.sanction_review, motion.public_statement) == (
        "permanent", "1y", "A member was removed.")
    for member in members[:4]:
        await h.services.cases.vote(member, motion.id, VoteChoice.YES)
    applied = await flows.apply(STAFF, motion.id)
    async with h.storage.transaction() as tx:
        (sanction,) = await tx.find(Sanction)
    assert applied.text and f"Applied: suspension {sanction.id}" in applied.text
    assert "Review date: 2027-01-05 20:00 UTC" in applied.text  # the clock starts 2026-01-05
    assert sanction.review_at == datetime(2027, 1, 5, 20, 0, tzinfo=UTC)


async def test_apply_without_a_review_says_no_date(harness: Harness) -> None:
    h = harness
    members, case = await open_case(h)
    flows = CommitteeFlows(h.services)
    await flows.motion(committee_actor(members[0]), case.id, "Suspend", suspend_for="30d")
    async with h.storage.transaction() as tx:
        (motion,) = await tx.find(Motion, case_id=case.id)
    for member in members[:4]:
        await h.services.cases.vote(member, motion.id, VoteChoice.YES)
    applied = await flows.apply(STAFF, motion.id)
    assert applied.text and "Applied" in applied.text and "Review date" not in applied.text


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"review": "1y"}, "review", "goes with the permanent suspension"),
    ({"suspend_for": "30d", "review": "1y"}, "review", "only to a permanent suspension"),
    ({"suspend_for": "permanent", "review": "6m"}, "review", "write 6mo"),
    ({"suspend_for": "permanent", "review": "soon"}, "review", "not a review period"),
    ({"statement": "x" * (STATEMENT_LIMIT + 1)}, "statement", "at most"),
])
async def test_the_motion_form_refuses_what_the_motion_would(
        harness: Harness, fields: dict[str, str], field: str, words: str) -> None:
    h = harness
    members, case = await open_case(h)
    flows = CommitteeFlows(h.services)
    found = flows.check_motion(suspend_for=fields.get("suspend_for"), clause=None,
                               review=fields.get("review"), statement=fields.get("statement"))
    assert set(found) == {field} and words in found[field]
    with pytest.raises(InvalidInput, match=words):
        await flows.motion(committee_actor(members[0]), case.id, "Remove",
                           suspend_for=fields.get("suspend_for"), review=fields.get("review"),
                           statement=fields.get("statement"))


async def test_a_good_motion_form_passes_its_checks(harness: Harness) -> None:
    flows = CommitteeFlows(harness.services)
    assert flows.check_motion(suspend_for="permanent", clause="no-harassment", review="1y",
                              statement="A member was removed.") == {}
    # a wrong duration is said beside the duration alone, not twice
    assert set(flows.check_motion(suspend_for="a while", clause=None, review="1y")) == {
        "duration"}


@pytest.mark.parametrize(("duration", "review", "expected"), [
    ("7d", "1y", {"review"}),
    ("permanent", "6m", {"review"}),
    ("permanent", "1y", set()),
    ("permanent", "", set()),
    ("a while", "1y", {"duration"}),
])
async def test_the_suspend_form_checks_the_review(harness: Harness, duration: str,
                                                  review: str, expected: set[str]) -> None:
    found = await StaffFlows(harness.services).check_suspend(
        SUBJECT, NoDirectory(), duration=duration, scope="server", clause_id="no-harassment",
        here=None, confirmed=False, review=review)
    assert set(found) == expected


async def test_a_suspension_reply_without_review_names_no_date(harness: Harness) -> None:
    outcome = await StaffFlows(harness.services).suspend(
        STAFF, SUBJECT, NoDirectory(), duration="permanent", scope="server",
        reason="Threats", here=None)
    assert outcome.text and "Suspended" in outcome.text and "Review date" not in outcome.text
