"""No decision before the reported person is heard: while the subject has given no
statement and their deadline has not passed, /decide is refused unless a member gives a
reason to decide without it, which is audited and shown in the case thread."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core.errors import InvalidInput, NotPermitted, StatementAwaited
from bot.core.flows.committee import CommitteeFlows
from bot.core.models import (
    ENTITY_TYPES,
    Actor,
    AuditEntry,
    Case,
    CaseOrigin,
    CaseStatus,
    Role,
    VoteChoice,
)
from bot.core.ports import NoticeKind
from tests.core.harness import STAFF, Harness, committee_actor, person

SUBJECT = person("subject")
REASON = "The subject told staff by e-mail they will not answer"
# The case opens on Monday 2026-01-05 14:00 Chicago (20:00 UTC); 7 days to answer.
DUE_TEXT = "2026-01-12 20:00 UTC"


async def snapshot(h: Harness) -> dict[str, list[object]]:
    async with h.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


async def carried_unheard(h: Harness) -> Case:
    """A case whose motion carried while the subject has not answered yet."""
    members = await h.seat_committee()
    case = await h.services.cases.open(STAFF.person, SUBJECT, "threats in #general",
                                       origin=CaseOrigin.STAFF)
    motion = await h.services.cases.propose(committee_actor(members[0]), case.id,
                                            "Suspend for 30 days", None)
    for member in members[:4]:
        await h.services.cases.vote(member, motion.id, VoteChoice.YES)
    return await h.services.cases.get(case.id)


def decision_dms(h: Harness) -> list[str]:
    return [n.text for p, n in h.platform.dms if p == SUBJECT
            and n.kind is NoticeKind.DECISION_DM]


async def audit_actions(h: Harness, case: Case) -> list[AuditEntry]:
    async with h.storage.transaction() as tx:
        return await tx.find(AuditEntry, subject_id=case.id)


async def test_a_decision_waits_for_the_subjects_statement_and_says_until_when(
        harness: Harness) -> None:
    case = await carried_unheard(harness)
    assert case.statement_due_at == harness.clock.now() + timedelta(days=7)
    before = await snapshot(harness)
    posts = len(harness.platform.posts)
    with pytest.raises(StatementAwaited) as refused:
        await CommitteeFlows(harness.services).decide(committee_actor(person("c1")), case.id)
    assert refused.value.due == case.statement_due_at
    text = str(refused.value)
    assert f"until {DUE_TEXT}" in text and case.id in text
    assert "wait" in text and "without_statement:" in text and "Nothing was changed" in text
    assert "could not be reached" not in text
    assert await snapshot(harness) == before  # not decided, no audit entry, reminder kept
    assert len(harness.platform.posts) == posts and decision_dms(harness) == []


async def test_a_statement_lets_the_committee_decide(harness: Harness) -> None:
    case = await carried_unheard(harness)
    await harness.hear(case.id)
    decided, _ = await harness.services.decisions.decide(STAFF, case.id)
    assert decided.status is CaseStatus.DECIDED and len(decision_dms(harness)) == 1
    assert "case.decided_without_statement" not in [
        e.action for e in await audit_actions(harness, case)]


async def test_once_the_deadline_passed_the_committee_decides_without_a_reason(
        harness: Harness) -> None:
    case = await carried_unheard(harness)
    assert case.statement_due_at is not None
    harness.clock.set(case.statement_due_at - timedelta(seconds=1))
    with pytest.raises(StatementAwaited):
        await harness.services.decisions.decide(STAFF, case.id)
    harness.clock.set(case.statement_due_at)  # the deadline itself: the time is up
    decided, _ = await harness.services.decisions.decide(STAFF, case.id)
    assert decided.status is CaseStatus.DECIDED and len(decision_dms(harness)) == 1
    assert "case.decided_without_statement" not in [
        e.action for e in await audit_actions(harness, case)]


async def test_a_reason_decides_before_the_deadline_audited_and_shown_in_the_thread(
        harness: Harness) -> None:
    case = await carried_unheard(harness)
    member = committee_actor(person("c2"))
    outcome = await CommitteeFlows(harness.services).decide(
        member, case.id, without_statement=f"  {REASON}  ")
    assert "Decision sent by DM" in str(outcome.text)
    decided = await harness.services.cases.get(case.id)
    assert decided.status is CaseStatus.DECIDED and decided.communicated_at is not None
    assert len(decision_dms(harness)) == 1
    entries = await audit_actions(harness, case)
    override = [e for e in entries if e.action == "case.decided_without_statement"]
    assert len(override) == 1
    assert override[0].actor == member.person and override[0].reason == REASON
    assert override[0].details == "statement due 2026-01-12T20:00:00+00:00"
    assert "case.decided" in [e.action for e in entries]
    notes = [n.text for place, n in harness.platform.posts if place == case.thread
             and "without the subject's statement" in n.text]
    assert len(notes) == 1
    assert REASON in notes[0] and DUE_TEXT in notes[0] and "<@c2>" in notes[0]


async def test_a_reason_is_not_needed_or_recorded_once_the_subject_was_heard(
        harness: Harness) -> None:
    case = await carried_unheard(harness)
    await harness.hear(case.id)
    await harness.services.decisions.decide(STAFF, case.id, without_statement=REASON)
    assert "case.decided_without_statement" not in [
        e.action for e in await audit_actions(harness, case)]
    assert not [n for place, n in harness.platform.posts
                if "without the subject's statement" in n.text]


@pytest.mark.parametrize("reason", ["", "   ", "ok", "decide it", " \n\t ", "x" * 501 + " a b"])
async def test_a_blank_or_too_short_reason_is_refused_and_changes_nothing(
        harness: Harness, reason: str) -> None:
    case = await carried_unheard(harness)
    before = await snapshot(harness)
    posts = len(harness.platform.posts)
    with pytest.raises(InvalidInput, match="at least 3 words, at most 500 characters"):
        await harness.services.decisions.decide(STAFF, case.id, without_statement=reason)
    assert await snapshot(harness) == before
    assert len(harness.platform.posts) == posts and decision_dms(harness) == []


@pytest.mark.parametrize(("actor", "message"), [
    (Actor(person("member")), "Only committee members or staff"),
    (Actor(person("counsel"), frozenset({Role.COUNSEL})), "Only committee members or staff"),
    (Actor(SUBJECT, frozenset({Role.COMMITTEE, Role.STAFF})), "is about you"),
], ids=["participant", "counsel", "the subject"])
async def test_only_those_who_may_decide_can_decide_without_the_statement(
        harness: Harness, actor: Actor, message: str) -> None:
    case = await carried_unheard(harness)
    before = await snapshot(harness)
    with pytest.raises(NotPermitted, match=message):
        await harness.services.decisions.decide(actor, case.id, without_statement=REASON)
    assert await snapshot(harness) == before and decision_dms(harness) == []


async def test_a_recused_member_cannot_override_either(harness: Harness) -> None:
    case = await carried_unheard(harness)
    member = committee_actor(person("c5"))
    await harness.services.cases.recuse(member, case.id, "She is my flatmate")
    before = await snapshot(harness)
    with pytest.raises(NotPermitted, match="recused"):
        await harness.services.decisions.decide(member, case.id, without_statement=REASON)
    assert await snapshot(harness) == before


async def test_an_unreachable_subject_keeps_their_deadline_and_the_refusal_says_so(
        harness: Harness) -> None:
    harness.platform.closed_dms.add(SUBJECT)
    case = await carried_unheard(harness)
    assert case.subject_unreachable_at is not None and case.statement_due_at is not None
    with pytest.raises(StatementAwaited, match="could not be reached by direct message"):
        await harness.services.decisions.decide(STAFF, case.id)
    decided, _ = await harness.services.decisions.decide(
        STAFF, case.id, without_statement="Staff reached them by phone, no statement")
    assert decided.status is CaseStatus.DECIDED


async def test_a_case_with_no_deadline_decides_as_before(harness: Harness) -> None:
    """A case opened before the bot asked for statements has no deadline: nothing to wait
    for (the rule cannot invent one after the fact)."""
    case = await carried_unheard(harness)
    async with harness.storage.transaction() as tx:
        await tx.update(replace(case, statement_due_at=None))
    decided, _ = await harness.services.decisions.decide(STAFF, case.id)
    assert decided.status is CaseStatus.DECIDED

