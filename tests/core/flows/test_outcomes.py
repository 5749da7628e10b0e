"""Issue 11 gaps 3, 6, 7: review periods, public statements by vote, the reporter's wishes.

Each promise is attacked: bad input is refused privately and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import AlreadyDone, InvalidInput, InvalidState, NotPermitted
from bot.core.flows.outcomes import OutcomeFlows
from bot.core.flows.staff import StaffFlows
from bot.core.identity import PlaceRef, PlatformName
from bot.core.markup import ZWJ
from bot.core.models import (
    ENTITY_TYPES,
    ActionKind,
    Actor,
    AuditEntry,
    Case,
    CaseOrigin,
    Motion,
    MotionStatus,
    Role,
    Sanction,
    ScheduledAction,
    VoteChoice,
)
from bot.core.ports import Audience, NoticeKind
from bot.core.services import ProposedSanction, ReportDraft
from tests.core.harness import STAFF, Harness, committee_actor, person

SUBJECT = person("subject")
REPORTER = person("4242424242")
ANNOUNCE = PlaceRef(PlatformName.DISCORD, "100", "announcements")
COUNSEL = Actor(person("counsel"))
STATEMENT = "The committee has removed a member for repeated harassment. @everyone <@99>"


class NoDirectory:
    async def standing(self, person: object) -> frozenset[Role]:
        return frozenset()

    async def read_as(self, reader: object, message: object) -> None:
        return None


async def snapshot(h: Harness) -> dict[str, list[object]]:
    async with h.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


async def motion_on_case(h: Harness, *, carried: bool = True, statement: str | None = None,
                         sanction: ProposedSanction | None = None) -> tuple[Case, Motion]:
    members = await h.seat_committee()
    case = await h.services.cases.open(STAFF.person, SUBJECT, "threats in #general",
                                       origin=CaseOrigin.STAFF)
    await h.hear(case.id)
    motion = await h.services.cases.propose(committee_actor(members[0]), case.id,
                                            "Remove permanently", sanction, statement=statement)
    for member in members[:4]:
        await h.services.cases.vote(member, motion.id,
                                    VoteChoice.YES if carried else VoteChoice.NO)
    async with h.storage.transaction() as tx:
        stored = await tx.get(Motion, motion.id)
    assert stored is not None
    return await h.services.cases.get(case.id), stored


# Review periods ----------------------------------------------------------------------


async def test_permanent_removal_with_review_is_told_and_reminded(harness: Harness) -> None:
    h = harness
    case, motion = await motion_on_case(h, sanction=ProposedSanction(
        "permanent", "no-harassment", review="1y"))
    assert motion.sanction_review == "1y"
    assert any("may be reviewed after 1y" in n.text for _, n in h.platform.posts
               if n.kind is NoticeKind.MOTION)
    sanction = await h.services.decisions.apply_sanction(STAFF, motion.id)
    expected = datetime(2027, 1, 5, 20, 0, tzinfo=UTC)  # the clock starts 2026-01-05 20:00
    assert sanction.ends_at is None and sanction.review_at == expected
    dm = h.platform.dms_to(SUBJECT)[-1]
    assert "The committee will review this on 2027-01-05 20:00 UTC" in dm
    h.clock.advance(timedelta(days=364))
    await h.run_due()
    assert not any("review date" in t for t in h.platform.posted_to(Audience.COMMITTEE))
    h.clock.advance(timedelta(days=1, hours=1))
    assert await h.run_due() == 1
    reminder = [n.text for a, n in h.platform.posts if "reached its review date" in n.text]
    assert len(reminder) == 1
    assert f"Case {case.id}" in reminder[0] and "threats in #general" in reminder[0]


async def test_a_lifted_suspension_is_not_reviewed(harness: Harness) -> None:
    h = harness
    _, motion = await motion_on_case(h, sanction=ProposedSanction(
        "permanent", "no-harassment", review="90d"))
    sanction = await h.services.decisions.apply_sanction(STAFF, motion.id)
    await h.services.sanctions.lift(STAFF, sanction.id, "reinstated")
    h.clock.advance(timedelta(days=91))
    await h.run_due()
    assert not any("review date" in n.text for _, n in h.platform.posts)


@pytest.mark.parametrize(("duration", "review", "expected"), [
    ("30d", "1y", "only to a permanent suspension"),
    ("permanent", "soon", "not a review period"),
    ("permanent", "6m", "write 6mo"),
    ("permanent", "0y", "longer than zero"),
    ("permanent", "40y", "at most 10 years"),
])
async def test_a_bad_review_period_on_a_motion_is_refused(
        harness: Harness, duration: str, review: str, expected: str) -> None:
    h = harness
    members = await h.seat_committee()
    case = await h.services.cases.open(STAFF.person, SUBJECT, "threats",
                                       origin=CaseOrigin.STAFF)
    before = await snapshot(h)
    with pytest.raises(InvalidInput, match=expected):
        await h.services.cases.propose(committee_actor(members[0]), case.id, "Remove",
                                       ProposedSanction(duration, "no-harassment", review))
    assert await snapshot(h) == before


async def test_suspend_permanent_with_review_states_the_date(harness: Harness) -> None:
    h = harness
    outcome = await StaffFlows(h.services).suspend(
        STAFF, SUBJECT, NoDirectory(), duration="permanent", scope="server",
        reason="Threats", here=None, review="6mo")
    assert outcome.text and "Review date: 2026-07-05 20:00 UTC" in outcome.text
    assert "The committee will review this on 2026-07-05 20:00 UTC" in h.platform.dms_to(
        SUBJECT)[-1]
    async with h.storage.transaction() as tx:
        (sanction,) = await tx.find(Sanction)
        action = await tx.get(ScheduledAction, ScheduledAction.key_for(
            ActionKind.SANCTION_REVIEW, sanction.id))
    assert action is not None and action.due_at == sanction.review_at


@pytest.mark.parametrize(("duration", "review", "expected"), [
    ("7d", "1y", "only to a permanent suspension"),
    ("permanent", "next year", "not a review period"),
])
async def test_suspend_with_a_bad_review_is_refused(harness: Harness, duration: str,
                                                    review: str, expected: str) -> None:
    h = harness
    before = await snapshot(h)
    with pytest.raises(InvalidInput, match=expected):
        await StaffFlows(h.services).suspend(STAFF, SUBJECT, NoDirectory(), duration=duration,
                                             scope="server", reason="Threats", here=None,
                                             review=review)
    assert await snapshot(h) == before and not h.platform.dms


# Public statements -------------------------------------------------------------------


async def test_a_carried_statement_is_published_once_by_staff(harness: Harness) -> None:
    h = harness
    h.ctx.announcements = {PlatformName.DISCORD: ANNOUNCE}
    case, motion = await motion_on_case(h, statement=STATEMENT)
    assert motion.status is MotionStatus.CARRIED
    assert any("offered to staff for publishing once the decision" in n.text
               for _, n in h.platform.posts)
    assert not [n for _, n in h.platform.posts if n.kind is NoticeKind.STATEMENT_READY]
    await h.services.decisions.decide(committee_actor(person("c2")), case.id)
    (ready,) = [n for a, n in h.platform.posts if n.kind is NoticeKind.STATEMENT_READY]
    assert ready.subject_id == motion.id and h.platform.posts[-1][0] is Audience.STAFF

    flows = OutcomeFlows(h.services)
    outcome = await flows.publish_statement(STAFF, motion.id)
    assert outcome.text and "released by <@staff>" in outcome.text
    (published,) = [n.text for place, n in h.platform.posts if place == ANNOUNCE]
    assert "The committee has removed a member" in published
    assert "@everyone" not in published and f"@{ZWJ}everyone" in published
    async with h.storage.transaction() as tx:
        stored = await tx.get(Motion, motion.id)
        audit = await tx.find(AuditEntry, action="statement.published")
    assert stored is not None and stored.statement_published_by == STAFF.person
    assert stored.statement_published_at == h.clock.now()
    assert len(audit) == 1 and audit[0].actor == STAFF.person
    with pytest.raises(AlreadyDone):
        await flows.publish_statement(STAFF, motion.id)
    assert len([p for p, _ in h.platform.posts if p == ANNOUNCE]) == 1


async def test_publishing_by_non_staff_is_refused(harness: Harness) -> None:
    h = harness
    h.ctx.announcements = {PlatformName.DISCORD: ANNOUNCE}
    case, motion = await motion_on_case(h, statement=STATEMENT)
    await h.services.decisions.decide(STAFF, case.id)
    before = await snapshot(h)
    for who in (committee_actor(person("c1")), Actor(SUBJECT), COUNSEL):
        with pytest.raises(NotPermitted):
            await OutcomeFlows(h.services).publish_statement(who, motion.id)
    assert await snapshot(h) == before
    assert not [p for p, _ in h.platform.posts if p == ANNOUNCE]


async def test_nothing_is_published_while_counsel_may_overrule(harness: Harness) -> None:
    h = harness
    h.ctx.announcements = {PlatformName.DISCORD: ANNOUNCE}
    case, motion = await motion_on_case(h, statement=STATEMENT)
    with pytest.raises(InvalidState, match="counsel may still overrule"):
        await h.services.public_statements.publish(STAFF, motion.id)
    await h.services.decisions.overrule(COUNSEL, case.id, "Defamation risk")
    with pytest.raises(InvalidState, match="overruled"):
        await h.services.public_statements.publish(STAFF, motion.id)
    with pytest.raises(InvalidState):
        await h.services.decisions.decide(STAFF, case.id)
    assert not [n for _, n in h.platform.posts if n.kind is NoticeKind.STATEMENT_READY]
    assert not [p for p, _ in h.platform.posts if p == ANNOUNCE]


async def test_a_failed_motion_publishes_nothing(harness: Harness) -> None:
    h = harness
    h.ctx.announcements = {PlatformName.DISCORD: ANNOUNCE}
    _, motion = await motion_on_case(h, carried=False, statement=STATEMENT)
    assert motion.status is MotionStatus.FAILED
    with pytest.raises(InvalidState, match="failed"):
        await h.services.public_statements.publish(STAFF, motion.id)
    assert not [p for p, _ in h.platform.posts if p == ANNOUNCE]


async def test_publishing_not_configured_says_so(harness: Harness) -> None:
    h = harness
    case, motion = await motion_on_case(h, statement=STATEMENT)
    await h.services.decisions.decide(STAFF, case.id)
    staff_notes = h.platform.posted_to(Audience.STAFF)
    assert any("publishing is not configured" in t for t in staff_notes)
    assert not [n for _, n in h.platform.posts if n.kind is NoticeKind.STATEMENT_READY]
    with pytest.raises(InvalidState, match="not configured"):
        await h.services.public_statements.publish(STAFF, motion.id)


@pytest.mark.parametrize("who", ["subject", "outsider"])
async def test_a_statement_from_someone_who_may_not_propose_is_refused(
        harness: Harness, who: str) -> None:
    h = harness
    await h.seat_committee()
    case = await h.services.cases.open(STAFF.person, SUBJECT, "threats",
                                       origin=CaseOrigin.STAFF)
    actor = Actor(SUBJECT, frozenset({Role.COMMITTEE})) if who == "subject" \
        else committee_actor(person("outsider"))
    before = await snapshot(h)
    with pytest.raises(NotPermitted):
        await h.services.cases.propose(actor, case.id, "Say something", statement=STATEMENT)
    assert await snapshot(h) == before


async def test_an_overlong_statement_is_refused(harness: Harness) -> None:
    h = harness
    members = await h.seat_committee()
    case = await h.services.cases.open(STAFF.person, SUBJECT, "threats",
                                       origin=CaseOrigin.STAFF)
    with pytest.raises(InvalidInput, match="at most 2000"):
        await h.services.cases.propose(committee_actor(members[0]), case.id, "Say",
                                       statement="x" * 2001)


# The reporter's wishes ---------------------------------------------------------------


async def escalated_case(h: Harness, *, anonymous: bool) -> Case:
    await h.seat_committee()
    report = await h.services.reports.submit(REPORTER, ReportDraft(
        reason="They insulted me", target=SUBJECT, anonymous=anonymous))
    return await h.services.reports.escalate(STAFF, report.id)


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
async def test_the_reporter_is_asked_and_only_the_committee_sees(harness: Harness,
                                                                 anonymous: bool) -> None:
    h = harness
    case = await escalated_case(h, anonymous=anonymous)
    asked = [n for p, n in h.platform.dms if p == REPORTER
             and n.kind is NoticeKind.WISHES_PROMPT]
    assert len(asked) == 1 and asked[0].subject_id == case.id
    flows = OutcomeFlows(h.services)
    await flows.choose_wishes(REPORTER, case.id, ["apology", "other"])
    await flows.write_wishes(REPORTER, case.id, "A mediated talk, call me at 555-123-4567")
    stored = await h.services.cases.get(case.id)
    assert stored.reporter_wishes == "apology,other"
    shown = [n.text for place, n in h.platform.posts if place == case.thread
             and "would welcome" in n.text]
    assert shown and "An apology" in shown[-1] and "mediated talk" in shown[-1]
    assert "555-123-4567" not in shown[-1]  # personal information masked
    assert REPORTER.id not in "\n".join(shown)
    assert "would welcome" not in "\n".join(h.platform.dms_to(SUBJECT))
    assert await h.services.wishes.shown_to(SUBJECT, stored) is None
    view = await h.services.wishes.shown_to(STAFF.person, stored)
    assert view and "An apology" in view
    async with h.storage.transaction() as tx:
        audit = await tx.find(AuditEntry, subject_id=case.id)
    if anonymous:
        assert all(entry.actor != REPORTER for entry in audit)


async def test_wishes_from_anyone_but_the_reporter_are_refused(harness: Harness) -> None:
    h = harness
    case = await escalated_case(h, anonymous=True)
    before = await snapshot(h)
    for who in (SUBJECT, STAFF.person, person("c1"), person("someone")):
        with pytest.raises(NotPermitted, match="Only the person whose report"):
            await OutcomeFlows(h.services).choose_wishes(who, case.id, ["apology"])
        with pytest.raises(NotPermitted):
            await OutcomeFlows(h.services).write_wishes(who, case.id, "I reported it")
    assert await snapshot(h) == before


@pytest.mark.parametrize(("values", "expected"), [
    (["revenge"], "not one of the offered"), ([], "at least one"),
    (["nothing_further", "apology"], "cannot be combined"),
])
async def test_bad_wishes_are_refused(harness: Harness, values: list[str],
                                      expected: str) -> None:
    h = harness
    case = await escalated_case(h, anonymous=False)
    before = await snapshot(h)
    with pytest.raises(InvalidInput, match=expected):
        await OutcomeFlows(h.services).choose_wishes(REPORTER, case.id, values)
    assert await snapshot(h) == before


async def test_a_case_opened_by_staff_asks_nobody(harness: Harness) -> None:
    h = harness
    await h.seat_committee()
    await h.services.cases.open(STAFF.person, SUBJECT, "threats", origin=CaseOrigin.STAFF)
    assert not [n for _, n in h.platform.dms if n.kind is NoticeKind.WISHES_PROMPT]
