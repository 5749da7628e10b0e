"""The subject is heard: asked privately (never told who reported), a statement form with
a deadline and one reminder, edits until the decision is communicated, shown to the
committee and noted under every tally."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core.clock import FakeClock
from bot.core.errors import CocBotError, InvalidInput, InvalidState, NotFound, NotPermitted
from bot.core.flows.statements import StatementFlows
from bot.core.identity import MessageRef, PersonRef, PlaceRef
from bot.core.models import (
    ENTITY_TYPES,
    ActionKind,
    Actor,
    AuditEntry,
    Case,
    CaseStatus,
    ScheduledAction,
    VoteChoice,
)
from bot.core.policy import Policy
from bot.core.ports import Audience, NoticeKind, Storage
from bot.core.services import ReportDraft
from bot.core.services.hearing import STATEMENT_LIMIT
from tests.core.harness import STAFF, Harness, build_harness, committee_actor, person

SUBJECT = person("subject")
REPORTER = person("reporter")
OUTSIDER = person("outsider")
REASON = "Reporter-words: he insulted me in the voice chat"
EXCERPT = "you are all idiots"


async def snapshot(h: Harness) -> dict[str, list[object]]:
    async with h.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


async def reported_case(h: Harness, *, anonymous: bool = False) -> Case:
    """A real report about one of the subject's messages, escalated by staff."""
    await h.seat_committee()
    message = MessageRef(SUBJECT.platform, SUBJECT.space, "general", "m1")
    report = await h.services.reports.submit(REPORTER, ReportDraft(
        reason=REASON, anonymous=anonymous, target=SUBJECT, message=message,
        message_excerpt=EXCERPT, channel=PlaceRef(SUBJECT.platform, SUBJECT.space,
                                                  "general")))
    return await h.services.reports.escalate(STAFF, report.id)


def requests_to(h: Harness, person_: PersonRef) -> list[str]:
    return [n.text for p, n in h.platform.dms if p == person_
            and n.kind is NoticeKind.STATEMENT_REQUEST]


@pytest.mark.parametrize("anonymous", [False, True])
async def test_subject_is_asked_without_any_trace_of_the_reporter(harness: Harness,
                                                                  anonymous: bool) -> None:
    case = await reported_case(harness, anonymous=anonymous)
    [asked] = requests_to(harness, SUBJECT)
    assert case.id in asked and EXCERPT in asked
    for trace in (REPORTER.id, REPORTER.key, "Reporter-words", "voice chat"):
        assert trace not in asked
    assert case.statement_due_at == harness.clock.now() + timedelta(days=7)
    async with harness.storage.transaction() as tx:
        [reminder] = await tx.find(ScheduledAction, kind=ActionKind.STATEMENT_REMINDER)
    assert reminder.subject_id == case.id
    assert reminder.due_at == case.statement_due_at - timedelta(days=2)


async def test_statement_goes_to_the_thread_and_edits_keep_history(harness: Harness) -> None:
    case = await reported_case(harness)
    flows = StatementFlows(harness.services)
    form = (await flows.open_form(Actor(SUBJECT), case.id.lower())).statement
    assert form is not None and form.current == "" and form.limit == STATEMENT_LIMIT
    reply = await flows.submit(Actor(SUBJECT), case.id, "  I was quoting <@999> @here  ")
    assert reply.text is not None and "with the committee" in reply.text
    harness.clock.advance(timedelta(hours=1))
    await flows.submit(Actor(SUBJECT), case.id, "Second thoughts: I apologise.")
    stored = await harness.services.cases.get(case.id)
    assert stored.subject_statement == "Second thoughts: I apologise."
    assert stored.statement_at == harness.clock.now()
    form = (await flows.open_form(Actor(SUBJECT), case.id)).statement
    assert form is not None and form.current == "Second thoughts: I apologise."
    thread = [n.text for p, n in harness.platform.posts if p == case.thread]
    first = next(t for t in thread if "I was quoting" in t)
    assert "<@999>" not in first and "@here" not in first.replace("@\u200dhere", "")
    assert any("version 2" in t and "Second thoughts" in t for t in thread)
    async with harness.storage.transaction() as tx:
        versions = await tx.find(AuditEntry, action="case.statement", order_by="at")
    assert [v.details.split(":")[0] for v in versions if v.details] == ["version 1",
                                                                       "version 2"]


async def test_reminder_fires_once_only_while_no_statement(harness: Harness) -> None:
    case = await reported_case(harness)
    harness.clock.advance(timedelta(days=5, minutes=1))
    assert await harness.run_due() == 1
    reminders = [t for t in requests_to(harness, SUBJECT) if "Reminder" in t]
    assert len(reminders) == 1 and case.id in reminders[0]
    harness.clock.advance(timedelta(days=30))
    assert await harness.run_due() == 0
    assert len([t for t in requests_to(harness, SUBJECT) if "Reminder" in t]) == 1


async def test_no_reminder_once_the_statement_came(harness: Harness) -> None:
    case = await reported_case(harness)
    await harness.services.hearing.submit(Actor(SUBJECT), case.id, "My side.")
    harness.clock.advance(timedelta(days=6))
    await harness.run_due()
    assert not [t for t in requests_to(harness, SUBJECT) if "Reminder" in t]


async def test_motion_tells_the_subject_and_the_tally_notes_the_statement(
        harness: Harness) -> None:
    case = await reported_case(harness)
    members = [person(f"c{n}") for n in range(1, 8)]
    motion = await harness.services.cases.propose(committee_actor(members[0]), case.id,
                                                  "Suspend for 30 days")
    told = requests_to(harness, SUBJECT)[-1]
    assert "voting" in told and "no statement from you yet" in told
    assert "30 days" not in told  # the motion's text is the committee's, not the subject's
    await harness.services.cases.vote(members[1], motion.id, VoteChoice.YES)
    tallies = [n.text for _, n in harness.platform.edits if "Tally" in n.text]
    assert "Subject's statement: not received yet" in tallies[-1]
    await harness.services.hearing.submit(Actor(SUBJECT), case.id, "My side.")
    await harness.services.cases.refresh_tally(motion.id)
    tallies = [n.text for _, n in harness.platform.edits if "Tally" in n.text]
    assert "Subject's statement: received" in tallies[-1]


async def test_closed_dms_record_the_subject_unreachable_and_tell_staff(
        harness: Harness) -> None:
    harness.platform.closed_dms.add(SUBJECT)
    case = await reported_case(harness)
    stored = await harness.services.cases.get(case.id)
    assert stored.subject_unreachable_at == harness.clock.now()
    [alert] = [t for t in harness.platform.posted_to(Audience.STAFF) if case.id in t
               and "unreachable" in t]
    assert "statement" in alert and REASON not in alert


@pytest.mark.parametrize(("who", "text", "error", "message"), [
    (Actor(OUTSIDER), "They are lying", NotPermitted, "Only the person"),
    (Actor(REPORTER), "My view", NotPermitted, "Only the person"),
    (STAFF, "Sent by email", NotPermitted, "Only the person"),
    (committee_actor(person("c1")), "Note", NotPermitted, "Only the person"),
    (Actor(SUBJECT), "   ", InvalidInput, "empty"),
    (Actor(SUBJECT), "x" * (STATEMENT_LIMIT + 1), InvalidInput, "limit is 3000"),
])
async def test_bad_statements_are_refused_and_change_nothing(
        harness: Harness, who: Actor, text: str, error: type[CocBotError],
        message: str) -> None:
    case = await reported_case(harness)
    before = await snapshot(harness)
    posts = len(harness.platform.posts)
    with pytest.raises(error, match=message):
        await harness.services.hearing.submit(who, case.id, text)
    assert await snapshot(harness) == before and len(harness.platform.posts) == posts


async def test_a_linked_account_of_someone_else_is_not_the_subject(harness: Harness) -> None:
    case = await reported_case(harness)
    other_slack = PersonRef.parse("slack:T1:UOTHER")
    await harness.services.people.link(STAFF, OUTSIDER, other_slack)
    before = await snapshot(harness)
    with pytest.raises(NotPermitted):
        await harness.services.hearing.submit(Actor(other_slack), case.id, "I am them")
    assert await snapshot(harness) == before
    # ... while the subject's own linked account is the subject
    own = PersonRef.parse("slack:T1:USUBJ")
    await harness.services.people.link(STAFF, SUBJECT, own)
    await harness.services.hearing.submit(Actor(own), case.id, "From my other account.")


@pytest.mark.parametrize("status", [CaseStatus.DECIDED, CaseStatus.FINAL, CaseStatus.CLOSED])
async def test_no_statement_after_the_decision_was_communicated(harness: Harness,
                                                                status: CaseStatus) -> None:
    case = await reported_case(harness)
    current = await harness.services.cases.get(case.id)
    async with harness.storage.transaction() as tx:
        await tx.update(replace(current, status=status))
    before = await snapshot(harness)
    with pytest.raises(InvalidState):
        await harness.services.hearing.submit(Actor(SUBJECT), case.id, "Too late?")
    with pytest.raises(InvalidState):
        await StatementFlows(harness.services).open_form(Actor(SUBJECT), case.id)
    assert await snapshot(harness) == before


async def test_unknown_case(harness: Harness) -> None:
    with pytest.raises(NotFound):
        await harness.services.hearing.submit(Actor(SUBJECT), "C-0000000", "Hello")


async def test_statement_days_come_from_policy(clock: FakeClock, storage: Storage) -> None:
    h = await build_harness(clock, storage, Policy(statement_window=timedelta(days=3)))
    case = await reported_case(h)
    assert case.statement_due_at == clock.now() + timedelta(days=3)
