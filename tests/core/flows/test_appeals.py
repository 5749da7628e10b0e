"""Appeals: 60 days from communication, only by those involved, decided by the Executive."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.core.errors import (
    CocBotError,
    DeadlinePassed,
    InvalidInput,
    InvalidState,
    NotFound,
    NotPermitted,
)
from bot.core.identity import PersonRef
from bot.core.models import (
    ENTITY_TYPES,
    ActionKind,
    ActionStatus,
    Actor,
    Appeal,
    AppealStatus,
    Case,
    CaseOrigin,
    CaseStatus,
    Office,
    Role,
    ScheduledAction,
    VoteChoice,
)
from bot.core.ports import Audience, NoticeKind
from tests.core.harness import STAFF, Harness, committee_actor, person

SUBJECT = person("subject")
REPORTER = person("reporter")
EXECUTIVE = Actor(person("president"))  # appointed to the executive office below
REASON = "The committee did not consider that I was quoting the other person."


async def snapshot(h: Harness) -> dict[str, list[object]]:
    async with h.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


async def decided_case(h: Harness, *, communicate: bool = True) -> Case:
    """A case on SUBJECT reported by REPORTER, decided and communicated now."""
    members = await h.seat_committee()
    await h.services.roster.appoint(STAFF, EXECUTIVE.person, Office.EXECUTIVE,
                                    term_start=date(2025, 7, 1))
    case = await h.services.cases.open(STAFF.person, SUBJECT, "harassment in #general",
                                       origin=CaseOrigin.REPORT, reporter=REPORTER)
    await h.hear(case.id)
    motion = await h.services.cases.propose(committee_actor(members[0]), case.id,
                                            "Suspend for 30 days")
    for member in members[:4]:
        await h.services.cases.vote(member, motion.id, VoteChoice.YES)
    if not communicate:
        h.platform.closed_dms.add(SUBJECT)
    decided, _ = await h.services.decisions.decide(STAFF, case.id)
    h.platform.closed_dms.discard(SUBJECT)
    return decided


async def stored_case(h: Harness, case: Case) -> Case:
    return await h.services.cases.get(case.id)


# Filing -----------------------------------------------------------------------------


# Decided Monday 2026-01-05 at 14:00 in Chicago (the organisation's time zone): the 60th
# day is 2026-03-06 there, to its last minute (05:59 UTC on the 7th).
@pytest.mark.parametrize("after", [timedelta(0), timedelta(days=59),
                                   timedelta(days=60),  # the 60th day is still inside,
                                   timedelta(days=60, hours=9, minutes=59)],  # to its end
                         ids=["same day", "day 59", "day 60", "late on day 60"])
async def test_appeal_within_sixty_days_is_accepted(harness: Harness, after: timedelta) -> None:
    case = await decided_case(harness)
    harness.clock.advance(after)
    appeal = await harness.services.appeals.file(SUBJECT, case.id.lower(), f"  {REASON}  ")
    assert appeal.case_id == case.id and appeal.appellant == SUBJECT
    assert appeal.reason == REASON and appeal.status is AppealStatus.PENDING
    assert (await stored_case(harness, case)).status is CaseStatus.APPEALED
    [notice] = [n for a, n in harness.platform.posts if a == Audience.EXECUTIVE]
    assert notice.kind is NoticeKind.APPEAL_FILED and appeal.id in notice.text
    assert REASON in notice.text and case.id in notice.text


@pytest.mark.parametrize("after", [timedelta(days=60, hours=10), timedelta(days=61)],
                         ids=["first minute of day 61", "day 61"])
async def test_appeal_after_the_window_is_refused_with_the_deadline(
        harness: Harness, after: timedelta) -> None:
    case = await decided_case(harness)
    harness.clock.advance(after)
    before = await snapshot(harness)
    with pytest.raises(DeadlinePassed) as err:
        await harness.services.appeals.file(SUBJECT, case.id, REASON)
    assert err.value.deadline == case.appeal_deadline
    assert "closed on 2026-03-07 05:59 UTC" in err.value.message  # 23:59 in Chicago
    assert "the end of the 60th day" in err.value.message
    assert "decision is final" in err.value.message
    assert await snapshot(harness) == before
    assert harness.platform.posted_to(Audience.EXECUTIVE) == []


async def test_the_reporter_may_appeal_too(harness: Harness) -> None:
    case = await decided_case(harness)
    appeal = await harness.services.appeals.file(REPORTER, case.id, "The sanction is too light "
                                                 "for repeated harassment.")
    assert appeal.appellant == REPORTER
    # A named reporter is shown to staff only: the Executive reads "the reporter".
    [notice] = harness.platform.posted_to(Audience.EXECUTIVE)
    assert REPORTER.key not in notice and "<@reporter>" not in notice
    assert "by the reporter (named to staff only)" in notice


@pytest.mark.parametrize(("appellant", "ref", "reason", "error", "message"), [
    (person("bystander"), None, REASON, NotFound, "involves you"),
    (person("c1"), None, REASON, NotFound, "involves you"),
    (SUBJECT, "C-0000000", REASON, NotFound, "no case"),
    (SUBJECT, None, "   ", InvalidInput, "reason for the appeal"),
    (SUBJECT, None, "unfair", InvalidInput, "at least a sentence"),
])
async def test_bad_appeals_change_nothing(harness: Harness, appellant: PersonRef,
                                          ref: str | None, reason: str,
                                          error: type[CocBotError], message: str) -> None:
    case = await decided_case(harness)
    before = await snapshot(harness)
    with pytest.raises(error, match=message):
        await harness.services.appeals.file(appellant, ref or case.id, reason)
    assert await snapshot(harness) == before
    assert harness.platform.posted_to(Audience.EXECUTIVE) == []


async def test_no_appeal_before_the_decision_is_communicated(harness: Harness) -> None:
    case = await decided_case(harness, communicate=False)
    with pytest.raises(InvalidState, match="no decision to appeal yet"):
        await harness.services.appeals.file(SUBJECT, case.id, REASON)


async def test_a_second_pending_appeal_by_the_same_person_is_refused(harness: Harness) -> None:
    case = await decided_case(harness)
    await harness.services.appeals.file(SUBJECT, case.id, REASON)
    with pytest.raises(InvalidState, match="already with the Executive Committee"):
        await harness.services.appeals.file(SUBJECT, case.id, REASON + " Again.")
    async with harness.storage.transaction() as tx:
        assert await tx.count(Appeal) == 1


# Deciding ---------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [AppealStatus.UPHELD, AppealStatus.MODIFIED,
                                     AppealStatus.OVERTURNED])
async def test_executive_decides_and_the_case_becomes_final(
        harness: Harness, outcome: AppealStatus) -> None:
    case = await decided_case(harness)
    appeal = await harness.services.appeals.file(REPORTER, case.id, REASON)
    harness.clock.advance(timedelta(days=10))
    decided = await harness.services.appeals.decide(EXECUTIVE, appeal.id, outcome,
                                                    "Having read the thread again.")
    assert decided.status is outcome and decided.decided_by == EXECUTIVE.person
    assert decided.decided_at == harness.clock.now()
    assert decided.decision_reason == "Having read the thread again."
    final = await stored_case(harness, case)
    assert final.status is CaseStatus.FINAL and final.final_at == harness.clock.now()
    for who in (REPORTER, SUBJECT):  # the appellant and the person concerned
        [dm] = [n for p, n in harness.platform.dms if p == who
                and n.kind is NoticeKind.APPEAL_DECIDED_DM]
        assert f"**{outcome.value}**" in dm.text and "final" in dm.text
    async with harness.storage.transaction() as tx:
        action = await tx.get(ScheduledAction, ScheduledAction.key_for(
            ActionKind.APPEAL_WINDOW_CLOSE, case.id))
    assert action is not None and action.status is ActionStatus.CANCELLED
    with pytest.raises(InvalidState, match="final"):
        await harness.services.appeals.file(SUBJECT, case.id, REASON)


async def test_executive_role_without_the_office_may_decide(harness: Harness) -> None:
    case = await decided_case(harness)
    appeal = await harness.services.appeals.file(SUBJECT, case.id, REASON)
    board = Actor(person("board-member"), frozenset({Role.EXECUTIVE}))
    decided = await harness.services.appeals.decide(board, appeal.id, AppealStatus.UPHELD,
                                                    "The decision stands.")
    assert decided.status is AppealStatus.UPHELD


@pytest.mark.parametrize(("actor", "ref", "outcome", "reason", "error", "message"), [
    (EXECUTIVE, None, AppealStatus.PENDING, "Later", InvalidInput, "upheld, modified"),
    (EXECUTIVE, None, AppealStatus.UPHELD, "  ", InvalidInput, "give the reason"),
    (committee_actor(person("c1")), None, AppealStatus.OVERTURNED, "Unfair", NotPermitted,
     "Only the Executive Committee"),
    (STAFF, None, AppealStatus.OVERTURNED, "Unfair", NotPermitted,
     "Only the Executive Committee"),
    (EXECUTIVE, "A-0000000", AppealStatus.UPHELD, "Stands", NotFound, "no appeal"),
])
async def test_bad_appeal_decisions_change_nothing(
        harness: Harness, actor: Actor, ref: str | None, outcome: AppealStatus, reason: str,
        error: type[CocBotError], message: str) -> None:
    case = await decided_case(harness)
    appeal = await harness.services.appeals.file(SUBJECT, case.id, REASON)
    before = await snapshot(harness)
    dms = len(harness.platform.dms)
    with pytest.raises(error, match=message):
        await harness.services.appeals.decide(actor, ref or appeal.id, outcome, reason)
    assert await snapshot(harness) == before
    assert len(harness.platform.dms) == dms


async def test_an_appeal_is_decided_once(harness: Harness) -> None:
    case = await decided_case(harness)
    appeal = await harness.services.appeals.file(SUBJECT, case.id, REASON)
    await harness.services.appeals.decide(EXECUTIVE, appeal.id, AppealStatus.MODIFIED,
                                          "Shortened to 14 days.")
    before = await snapshot(harness)
    with pytest.raises(InvalidState, match="already decided"):
        await harness.services.appeals.decide(EXECUTIVE, appeal.id, AppealStatus.OVERTURNED,
                                              "Changed our mind.")
    assert await snapshot(harness) == before


# The window closing ---------------------------------------------------------------------


async def test_window_closing_without_an_appeal_makes_the_case_final(harness: Harness) -> None:
    case = await decided_case(harness)
    assert case.appeal_deadline is not None
    harness.clock.set(case.appeal_deadline - timedelta(seconds=1))
    assert await harness.run_due() == 0
    assert (await stored_case(harness, case)).status is CaseStatus.DECIDED
    harness.clock.set(case.appeal_deadline)
    assert await harness.run_due() == 1
    final = await stored_case(harness, case)
    assert final.status is CaseStatus.FINAL and final.final_at == case.appeal_deadline
    assert await harness.run_due() == 0
    harness.clock.advance(timedelta(seconds=1))
    with pytest.raises(DeadlinePassed):
        await harness.services.appeals.file(SUBJECT, case.id, REASON)


async def test_window_closing_leaves_a_pending_appeal_alone(harness: Harness) -> None:
    case = await decided_case(harness)
    assert case.appeal_deadline is not None
    appeal = await harness.services.appeals.file(SUBJECT, case.id, REASON)
    harness.clock.set(case.appeal_deadline + timedelta(days=1))
    await harness.run_due()
    assert (await stored_case(harness, case)).status is CaseStatus.APPEALED
    await harness.services.appeals.decide(EXECUTIVE, appeal.id, AppealStatus.UPHELD, "Stands.")
    assert (await stored_case(harness, case)).status is CaseStatus.FINAL


async def test_close_window_ignores_unknown_and_early_calls(harness: Harness) -> None:
    case = await decided_case(harness)
    assert await harness.services.appeals.close_window("C-0000000") is None
    assert await harness.services.appeals.close_window(case.id) is None  # too early
    assert (await stored_case(harness, case)).status is CaseStatus.DECIDED


# What the decision does ----------------------------------------------------------------


async def test_an_overturned_decision_lifts_the_case_suspension_at_once(
        harness: Harness) -> None:
    from bot.core.durations import parse_duration
    from bot.core.models import SanctionScope, SanctionStatus
    from bot.core.services import SuspensionRequest

    case = await decided_case(harness)
    sanction = await harness.services.sanctions.suspend(STAFF, SuspensionRequest(
        subject=SUBJECT, duration=parse_duration("30d"), scope=SanctionScope.SPACE,
        reason="the committee's decision", clause_id="no-harassment", case_id=case.id))
    appeal = await harness.services.appeals.file(SUBJECT, case.id, REASON)
    await harness.services.appeals.decide(EXECUTIVE, appeal.id, AppealStatus.OVERTURNED,
                                          "The quote was misread.")
    lifted = await harness.services.sanctions.get(sanction.id)
    assert lifted.status is SanctionStatus.LIFTED and "overturned" in (lifted.lift_reason or "")
    assert [s.id for s in harness.platform.restored] == [sanction.id]


async def test_a_modified_decision_asks_staff_to_adjust_the_sanction(harness: Harness) -> None:
    case = await decided_case(harness)
    appeal = await harness.services.appeals.file(SUBJECT, case.id, REASON)
    await harness.services.appeals.decide(EXECUTIVE, appeal.id, AppealStatus.MODIFIED,
                                          "Reduce to 7 days.")
    staff_posts = [n.text for where, n in harness.platform.posts if where is Audience.STAFF]
    assert any("Reduce to 7 days." in text and case.id in text for text in staff_posts)


async def test_a_case_with_two_appeals_is_final_only_when_both_are_decided(
        harness: Harness) -> None:
    case = await decided_case(harness)
    first = await harness.services.appeals.file(SUBJECT, case.id, REASON)
    second = await harness.services.appeals.file(REPORTER, case.id,
                                                 "The sanction is too light for what happened.")
    await harness.services.appeals.decide(EXECUTIVE, first.id, AppealStatus.UPHELD, "Stands.")
    assert (await stored_case(harness, case)).status is not CaseStatus.FINAL
    await harness.services.appeals.decide(EXECUTIVE, second.id, AppealStatus.UPHELD, "Stands.")
    assert (await stored_case(harness, case)).status is CaseStatus.FINAL
