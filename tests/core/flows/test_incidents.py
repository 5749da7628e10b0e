"""Staff removals: delete, explain by DM, record, report to the committee, escalate."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest

from bot.core.errors import InvalidInput, NotPermitted
from bot.core.identity import MessageRef, PlatformName
from bot.core.models import Actor, Case, CaseOrigin, CaseStatus, Incident, IncidentKind
from bot.core.ports import Audience
from bot.core.services import IncidentDraft
from tests.core.harness import STAFF, Harness, person

SUBJECT = person("subject")


def msg(n: int = 1) -> MessageRef:
    return MessageRef(PlatformName.DISCORD, "100", "555", str(n))


def removal(n: int = 1, clause: str = "no-restricted-content") -> IncidentDraft:
    return IncidentDraft(subject=SUBJECT, kind=IncidentKind.REMOVAL, clause_id=clause,
                         message=msg(n), excerpt="Buy my book for $20")


async def incidents(h: Harness) -> list[Incident]:
    async with h.storage.transaction() as tx:
        return await tx.find(Incident)


async def test_removal_deletes_explains_records_and_reports(harness: Harness) -> None:
    outcome = await harness.services.incidents.handle(STAFF, removal())
    assert harness.platform.deleted == [msg()]
    dm = harness.platform.dms_to(SUBJECT)[0]
    assert "No content this channel restricts" in dm        # the clause's title
    assert "How to avoid this next time" in dm and "JobLIST" in dm
    assert "Buy my book" in dm
    summary = harness.platform.posted_to(Audience.COMMITTEE)[0]
    assert outcome.incident.id in summary and "yes" in summary
    stored = await incidents(harness)
    assert stored[0].dm_delivered is True and stored[0].reported_to_committee is True
    assert stored[0].automated is False and stored[0].actor == STAFF.person


async def test_undeliverable_dm_still_records_and_tells_staff(harness: Harness) -> None:
    harness.platform.closed_dms.add(SUBJECT)
    outcome = await harness.services.incidents.handle(STAFF, removal())
    assert outcome.incident.dm_delivered is False
    assert harness.platform.deleted == [msg()]
    alerts = harness.platform.posted_to(Audience.STAFF)
    assert any("could not be delivered" in a and outcome.incident.id in a for a in alerts)


@pytest.mark.parametrize(("actor", "draft", "error"), [
    (Actor(person("member")), removal(), NotPermitted),
    (STAFF, removal(clause="no-such-clause"), InvalidInput),
    (STAFF, IncidentDraft(subject=SUBJECT, kind=IncidentKind.REMOVAL, clause_id="no-hate"),
     InvalidInput),
])
async def test_refusals_change_nothing(harness: Harness, actor: Actor, draft: IncidentDraft,
                                       error: type[Exception]) -> None:
    with pytest.raises(error):
        await harness.services.incidents.handle(actor, draft)
    assert harness.platform.deleted == [] and harness.platform.dms == []
    assert await incidents(harness) == []


async def test_third_incident_in_180_days_opens_a_case(harness: Harness) -> None:
    await harness.seat_committee()
    first = await harness.services.incidents.handle(STAFF, removal(1))
    harness.clock.advance(timedelta(days=60))
    second = await harness.services.incidents.handle(STAFF, removal(2))
    harness.clock.advance(timedelta(days=60))
    third = await harness.services.incidents.handle(STAFF, removal(3))
    assert first.escalated is None and second.escalated is None
    assert third.escalated is not None
    assert third.escalated.origin is CaseOrigin.ESCALATION
    assert harness.platform.threads, "the committee gets a private thread"
    # a fourth incident while the case is open does not open a second case
    fourth = await harness.services.incidents.handle(STAFF, removal(4))
    assert fourth.escalated is None
    async with harness.storage.transaction() as tx:
        assert await tx.count(Case) == 1


async def test_incidents_handled_at_once_open_one_case(harness: Harness) -> None:
    """Two incidents reaching the threshold together (two processes, or two handlers of
    one) both find no open case; still only one case is opened."""
    await harness.seat_committee()
    await harness.services.incidents.handle(STAFF, removal(1))
    await harness.services.incidents.handle(STAFF, removal(2))
    outcomes = await asyncio.gather(*(harness.services.incidents.handle(STAFF, removal(n))
                                      for n in (3, 4, 5)))
    # each incident that found the threshold reached joins the one case the database kept
    assert len({o.escalated.id for o in outcomes if o.escalated is not None}) == 1
    async with harness.storage.transaction() as tx:
        assert await tx.count(Case) == 1


async def test_after_a_case_closes_a_new_escalation_can_open_another(harness: Harness) -> None:
    await harness.seat_committee()
    for n in (1, 2, 3):
        outcome = await harness.services.incidents.handle(STAFF, removal(n))
    assert outcome.escalated is not None
    async with harness.storage.transaction() as tx:
        case = await tx.get(Case, outcome.escalated.id)
        assert case is not None
        await tx.update(dataclasses.replace(case, status=CaseStatus.CLOSED))
    again = await harness.services.incidents.handle(STAFF, removal(4))
    assert again.escalated is not None and again.escalated.id != case.id


async def test_old_and_reversed_incidents_do_not_escalate(harness: Harness) -> None:
    mistaken = await harness.services.incidents.handle(STAFF, removal(1))
    await harness.services.incidents.reverse(STAFF, mistaken.incident.id, "false positive")
    await harness.services.incidents.handle(STAFF, removal(2))
    harness.clock.advance(timedelta(days=200))
    await harness.services.incidents.handle(STAFF, removal(3))
    outcome = await harness.services.incidents.handle(STAFF, removal(4))
    assert outcome.escalated is None


async def test_warning_sends_dm_without_deleting(harness: Harness) -> None:
    await harness.services.incidents.handle(STAFF, IncidentDraft(
        subject=SUBJECT, kind=IncidentKind.WARNING, clause_id="no-unsolicited-repetition",
        note="Please stop messaging them."))
    assert harness.platform.deleted == []
    assert "Please stop messaging them." in harness.platform.dms_to(SUBJECT)[0]


async def test_platform_that_cannot_delete_still_records_and_asks_staff(
        harness: Harness) -> None:
    harness.platform.can_delete = False
    outcome = await harness.services.incidents.handle(STAFF, removal())
    assert harness.platform.deleted == []
    assert harness.platform.dms_to(SUBJECT), "the author is still told"
    asks = [t for t in harness.platform.posted_to(Audience.STAFF) if "delete it by hand" in t]
    assert len(asks) == 1 and outcome.incident.id in asks[0]


async def test_acting_on_a_protected_person_needs_confirmation(harness: Harness) -> None:
    from bot.core.models import Role

    message = MessageRef(PlatformName.DISCORD, "100", "555", "900")
    draft = IncidentDraft(subject=SUBJECT, kind=IncidentKind.REMOVAL, clause_id="no-hate",
                          message=message, target_standing=frozenset({Role.COMMITTEE}))
    with pytest.raises(NotPermitted, match="protected role \\(committee\\)"):
        await harness.services.incidents.handle(STAFF, draft)
    assert harness.platform.deleted == [] and harness.platform.dms == []
    confirmed = dataclasses.replace(draft, confirmed=True)
    outcome = await harness.services.incidents.handle(STAFF, confirmed)
    assert harness.platform.deleted == [message] and outcome.incident.subject == SUBJECT
