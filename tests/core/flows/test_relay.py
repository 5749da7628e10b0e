"""The committee's relayed conversation with a case's subject: both ways, kept with the
case, the subject never sees a member's account, either side ends it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core.errors import CocBotError, InvalidInput, InvalidState, NotPermitted
from bot.core.flows.relay import RelayFlows
from bot.core.identity import PersonRef
from bot.core.models import (
    ENTITY_TYPES,
    Actor,
    Case,
    CaseContact,
    CaseOrigin,
    CaseStatus,
    ContactStatus,
    RelayDirection,
    RelayMessage,
)
from bot.core.ports import Audience
from bot.core.services.relay import RELAY_LIMIT
from tests.core.harness import STAFF, Harness, committee_actor, person

SUBJECT = person("subject")
REPORTER = person("c7")  # a committee member who reported: conflicted
OUTSIDER = person("outsider")
C1 = committee_actor(person("c1"))
C2 = committee_actor(person("c2"))


async def snapshot(h: Harness) -> dict[str, list[object]]:
    async with h.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


async def case_with_contact(h: Harness) -> Case:
    await h.seat_committee()
    case = await h.services.cases.open(STAFF.person, SUBJECT, "harassment",
                                       origin=CaseOrigin.REPORT, reporter=REPORTER)
    outcome = await RelayFlows(h.services).contact(C1, case.id)
    assert outcome.text is not None and "was told" in outcome.text
    return case


def thread_texts(h: Harness, case: Case) -> list[str]:
    return [n.text for p, n in h.platform.posts if p == case.thread]


async def relayed(h: Harness) -> list[RelayMessage]:
    async with h.storage.transaction() as tx:
        return await tx.find(RelayMessage, order_by="at")


async def test_conversation_both_ways_then_ended_by_the_subject(harness: Harness) -> None:
    case = await case_with_contact(harness)
    flows = RelayFlows(harness.services)
    opened = harness.platform.dms_to(SUBJECT)[-1]
    assert "Member Review Committee" in opened and "c1" not in opened
    assert any("opened a private conversation" in t for t in thread_texts(harness, case))

    said = await flows.from_subject(SUBJECT, "I did not mean it <@here>")
    assert said.text == "✓ Passed on to the committee."
    assert any("The subject wrote" in t and "I did not mean it" in t and "<@here>" not in t
               for t in thread_texts(harness, case))

    harness.clock.advance(timedelta(minutes=5))
    sent = await flows.reply(C2, case.id, "Thank you. Can we talk about tone?")
    assert sent.text is not None and "as the Member Review Committee" in sent.text
    to_subject = harness.platform.dms_to(SUBJECT)[-1]
    assert "Member Review Committee" in to_subject and "tone" in to_subject
    assert "c2" not in to_subject

    ended = await flows.end(Actor(SUBJECT), case.id)
    assert ended.text is not None and "ended" in ended.text
    assert "no longer passed on" in harness.platform.dms_to(SUBJECT)[-1]
    assert "the subject" in thread_texts(harness, case)[-1]
    after = await flows.from_subject(SUBJECT, "one more thing")
    assert after.text is not None and "not passed on" in after.text
    assert not any("one more thing" in t for t in thread_texts(harness, case))

    kept = await relayed(harness)
    assert [(m.direction, m.author) for m in kept] == [
        (RelayDirection.FROM_SUBJECT, SUBJECT), (RelayDirection.TO_SUBJECT, C2.person)]
    assert all(m.delivered for m in kept)


async def test_a_member_ends_it_and_nothing_more_goes_either_way(harness: Harness) -> None:
    case = await case_with_contact(harness)
    flows = RelayFlows(harness.services)
    await flows.end(C2, case.id)
    async with harness.storage.transaction() as tx:
        [contact] = await tx.find(CaseContact)
    assert contact.status is ContactStatus.ENDED and contact.ended_by == C2.person
    before = await snapshot(harness)
    with pytest.raises(InvalidState, match="no open conversation"):
        await flows.reply(C1, case.id, "Hello?")
    assert await snapshot(harness) == before


async def test_closed_dms_open_nothing_and_tell_staff(harness: Harness) -> None:
    await harness.seat_committee()
    case = await harness.services.cases.open(STAFF.person, SUBJECT, "harassment",
                                             origin=CaseOrigin.STAFF)
    harness.platform.closed_dms.add(SUBJECT)
    outcome = await RelayFlows(harness.services).contact(C1, case.id)
    assert outcome.text is not None and "could not be reached" in outcome.text
    async with harness.storage.transaction() as tx:
        [contact] = await tx.find(CaseContact)
    assert contact.status is ContactStatus.ENDED
    assert any(case.id in t and "talk" in t for t in harness.platform.posted_to(Audience.STAFF))


@pytest.mark.parametrize(("who", "error", "message"), [
    (Actor(OUTSIDER), NotPermitted, "Only seated members"),
    (STAFF, NotPermitted, "Only seated members"),
    (committee_actor(REPORTER), NotPermitted, "You reported"),
    (Actor(SUBJECT), NotPermitted, "Only seated members"),
])
async def test_relay_from_anyone_not_party_is_refused(harness: Harness, who: Actor,
                                                      error: type[CocBotError],
                                                      message: str) -> None:
    case = await case_with_contact(harness)
    before = await snapshot(harness)
    dms = len(harness.platform.dms)
    with pytest.raises(error, match=message):
        await RelayFlows(harness.services).reply(who, case.id, "Hello")
    assert await snapshot(harness) == before and len(harness.platform.dms) == dms


async def test_a_dm_from_someone_else_is_not_relayed(harness: Harness) -> None:
    case = await case_with_contact(harness)
    posts = len(harness.platform.posts)
    outcome = await RelayFlows(harness.services).from_subject(OUTSIDER, "let me in")
    assert outcome.text is not None and "not passed on" in outcome.text
    assert len(harness.platform.posts) == posts and not await relayed(harness)
    assert case.id


async def test_recused_member_cannot_open_or_reply(harness: Harness) -> None:
    case = await case_with_contact(harness)
    await harness.services.cases.recuse(C2, case.id, "a friend of the subject")
    before = await snapshot(harness)
    with pytest.raises(NotPermitted):
        await RelayFlows(harness.services).reply(C2, case.id, "Hi")
    assert await snapshot(harness) == before


@pytest.mark.parametrize(("who", "status", "error", "message"), [
    (committee_actor(REPORTER), CaseStatus.OPEN, NotPermitted, "You reported"),
    (Actor(OUTSIDER), CaseStatus.OPEN, NotPermitted, "Only seated members"),
    (STAFF, CaseStatus.OPEN, NotPermitted, "Only seated members"),
    (C1, CaseStatus.CLOSED, InvalidState, "closed without a decision"),
])
async def test_bad_contacts_are_refused_and_change_nothing(
        harness: Harness, who: Actor, status: CaseStatus, error: type[CocBotError],
        message: str) -> None:
    await harness.seat_committee()
    case = await harness.services.cases.open(STAFF.person, SUBJECT, "harassment",
                                             origin=CaseOrigin.REPORT, reporter=REPORTER)
    current = await harness.services.cases.get(case.id)
    async with harness.storage.transaction() as tx:
        await tx.update(replace(current, status=status))
    before = await snapshot(harness)
    dms = len(harness.platform.dms)
    with pytest.raises(error, match=message):
        await RelayFlows(harness.services).contact(who, case.id)
    assert await snapshot(harness) == before and len(harness.platform.dms) == dms


async def test_one_open_conversation_per_subject(harness: Harness) -> None:
    case = await case_with_contact(harness)
    second = await harness.services.cases.open(STAFF.person, SUBJECT, "another matter",
                                               origin=CaseOrigin.STAFF)
    before = await snapshot(harness)
    with pytest.raises(InvalidState, match=case.id):
        await RelayFlows(harness.services).contact(C2, second.id)
    with pytest.raises(InvalidState, match="already open on this case"):
        await RelayFlows(harness.services).contact(C2, case.id)
    assert await snapshot(harness) == before


@pytest.mark.parametrize("text", ["   ", "x" * (RELAY_LIMIT + 1)])
async def test_empty_or_overlong_messages_are_refused(harness: Harness, text: str) -> None:
    case = await case_with_contact(harness)
    before = await snapshot(harness)
    with pytest.raises(InvalidInput):
        await RelayFlows(harness.services).reply(C1, case.id, text)
    with pytest.raises(InvalidInput):
        await RelayFlows(harness.services).from_subject(SUBJECT, text)
    assert await snapshot(harness) == before


async def test_subjects_linked_account_is_the_subject(harness: Harness) -> None:
    case = await case_with_contact(harness)
    other = PersonRef.parse("slack:T1:USUBJ")
    await harness.services.people.link(STAFF, SUBJECT, other)
    await RelayFlows(harness.services).from_subject(other, "from Slack")
    assert any("from Slack" in t for t in thread_texts(harness, case))
