"""Versions of the Code: publishing, prompting members to accept, status and reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.code_text import CodeText
from bot.core.errors import AlreadyDone, InvalidState, NotPermitted
from bot.core.models import (
    ENTITY_TYPES,
    Acceptance,
    AcceptancePrompt,
    ActionKind,
    Actor,
    CodeVersion,
    ScheduledAction,
)
from bot.core.ports import NoticeKind
from tests.core.harness import STAFF, Harness, committee_actor, person

MEMBERS = [person(f"m{n}") for n in range(1, 5)]


async def snapshot(h: Harness) -> dict[str, list[object]]:
    async with h.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


def amend(h: Harness, words: str = "Be kind.") -> None:
    """The operator edits the Code file; the running bot sees the new text."""
    code = h.ctx.code
    h.ctx.code = CodeText(code.title, f"{code.introduction} {words}", code.clauses,
                          code.closing)


def prompts_to(h: Harness, who: object) -> list[str]:
    return [n.text for p, n in h.platform.dms if p == who
            and n.kind is NoticeKind.CODE_ACCEPT_PROMPT]


async def test_the_configured_text_is_version_one_and_restarts_do_not_republish(
        harness: Harness) -> None:
    current = await harness.services.code.current()
    assert current is not None and current.id == "v1" and current.published_by is None
    assert await harness.services.code.ensure_published() == current
    amend(harness)
    changed = await harness.services.code.ensure_published()  # the file changed while down
    assert changed.id == "v2" and "updated from configuration" in changed.summary


async def test_publishing_a_new_version_prompts_every_member_by_dm(harness: Harness) -> None:
    amend(harness)
    version = await harness.services.code.publish(STAFF, "  No campaigning in channels.  ")
    assert (version.id, version.number) == ("v2", 2)
    assert version.summary == "No campaigning in channels."
    assert version.published_by == STAFF.person
    harness.platform.closed_dms.add(MEMBERS[3])
    result = await harness.services.code.prompt(MEMBERS, by=STAFF.person)
    assert (result.version, result.queued, result.already) == (version, 4, 0)
    for member in MEMBERS[:3]:
        [text] = prompts_to(harness, member)
        assert "(v2): No campaigning in channels." in text and "Accept" in text
    async with harness.storage.transaction() as tx:
        prompts = await tx.find(AcceptancePrompt, version_id="v2")
    assert {p.person: p.delivered for p in prompts} == {
        MEMBERS[0]: True, MEMBERS[1]: True, MEMBERS[2]: True, MEMBERS[3]: False}
    # the publisher and staff are told once every member was asked, with who was not reached
    [done] = [n.text for who, n in harness.platform.dms if who == STAFF.person]
    assert "Code v2: every member has been asked" in done and "3 DMs delivered; 1" in done
    assert [n.text for _, n in harness.platform.posts].count(done) == 1
    # asking again reaches nobody twice
    again = await harness.services.code.prompt(MEMBERS)
    assert (again.queued, again.already) == (0, 4)
    assert sum(len(prompts_to(harness, m)) for m in MEMBERS) == 3


async def test_publishing_the_text_the_bot_recorded_at_start_up_announces_it(
        harness: Harness) -> None:
    amend(harness)
    recorded = await harness.services.code.ensure_published()  # edited while the bot was down
    assert recorded.published_by is None
    announced = await harness.services.code.publish(STAFF, "Please accept the new Code")
    assert (announced.id, announced.published_by) == (recorded.id, STAFF.person)
    assert announced.summary == "Please accept the new Code"
    result = await harness.services.code.prompt(MEMBERS, by=STAFF.person)
    assert result.version == announced and result.queued == len(MEMBERS)


async def test_publishing_the_same_text_is_refused_clearly(harness: Harness) -> None:
    await harness.services.code.publish(STAFF, "Version 1, announced")
    before = await snapshot(harness)
    with pytest.raises(AlreadyDone, match="has not changed since v1; edit the Code file"):
        await harness.services.code.publish(STAFF, "Nothing new")
    assert await snapshot(harness) == before
    amend(harness)
    await harness.services.code.publish(STAFF, "New")
    with pytest.raises(AlreadyDone, match="since v2"):
        await harness.services.code.publish(STAFF, "New again")


@pytest.mark.parametrize("actor", [Actor(person("member")), committee_actor(person("c1"))])
async def test_only_staff_publish_or_see_status(harness: Harness, actor: Actor) -> None:
    amend(harness)
    before = await snapshot(harness)
    with pytest.raises(NotPermitted, match="Only staff"):
        await harness.services.code.publish(actor, "Sneaky edit")
    with pytest.raises(NotPermitted, match="Only staff"):
        await harness.services.code.status(actor, MEMBERS)
    assert await snapshot(harness) == before


async def test_acceptance_is_recorded_and_status_lists_who_has_not(harness: Harness) -> None:
    amend(harness)
    await harness.services.code.publish(STAFF, "Clarified reporting")
    await harness.services.code.prompt(MEMBERS, by=STAFF.person)
    accepted = await harness.services.code.accept(MEMBERS[0], "v2")
    assert accepted.accepted_at == harness.clock.now() and accepted.person == MEMBERS[0]
    harness.clock.advance(timedelta(hours=1))
    assert await harness.services.code.accept(MEMBERS[0], "v2") == accepted  # idempotent
    await harness.services.code.accept(MEMBERS[2], "v2")
    status = await harness.services.code.status(STAFF, MEMBERS)
    assert status.version.id == "v2"
    assert status.accepted == [MEMBERS[0], MEMBERS[2]]
    assert status.pending == [MEMBERS[1], MEMBERS[3]]


async def test_accepting_a_superseded_version_is_refused(harness: Harness) -> None:
    amend(harness)
    await harness.services.code.publish(STAFF, "v2")
    before = await snapshot(harness)
    with pytest.raises(InvalidState, match="v1 is no longer the current Code; please read "
                                           "and accept v2"):
        await harness.services.code.accept(MEMBERS[0], "v1")
    assert await snapshot(harness) == before


async def test_members_who_have_not_accepted_are_reminded_once(harness: Harness) -> None:
    amend(harness)
    await harness.services.code.publish(STAFF, "Clarified reporting")
    await harness.services.code.prompt(MEMBERS[:3], by=STAFF.person)
    await harness.services.code.accept(MEMBERS[0], "v2")
    harness.clock.advance(timedelta(days=14) - timedelta(seconds=1))
    assert await harness.run_due() == 0
    harness.clock.advance(timedelta(seconds=1))
    assert await harness.run_due() == 3  # one action per prompt; accepted ones do nothing
    assert len(prompts_to(harness, MEMBERS[0])) == 1  # accepted: no reminder
    for member in MEMBERS[1:3]:
        texts = prompts_to(harness, member)
        assert len(texts) == 2 and "A reminder" in texts[1] and "(v2)" in texts[1]
    assert prompts_to(harness, MEMBERS[3]) == []  # never asked, never reminded
    async with harness.storage.transaction() as tx:
        prompt = await tx.get(AcceptancePrompt, Acceptance.key_for("v2", MEMBERS[1]))
    assert prompt is not None and prompt.reminded_at == harness.clock.now()
    harness.clock.advance(timedelta(days=30))
    assert await harness.run_due() == 0
    assert await harness.services.code.remind(Acceptance.key_for("v2", MEMBERS[1])) is False


async def test_no_reminder_for_a_version_that_was_replaced(harness: Harness) -> None:
    amend(harness, "First change.")
    await harness.services.code.publish(STAFF, "First change")
    await harness.services.code.prompt(MEMBERS[:1], by=STAFF.person)
    harness.clock.advance(timedelta(days=7))
    amend(harness, "Second change.")
    await harness.services.code.publish(STAFF, "Second change")
    await harness.services.code.prompt(MEMBERS[:1], by=STAFF.person)
    harness.clock.advance(timedelta(days=7))
    await harness.run_due()
    texts = prompts_to(harness, MEMBERS[0])
    assert len(texts) == 2 and "(v2)" in texts[0] and "(v3)" in texts[1]
    async with harness.storage.transaction() as tx:
        versions = await tx.find(CodeVersion, order_by="number")
        action = await tx.get(ScheduledAction, ScheduledAction.key_for(
            ActionKind.ACCEPTANCE_REMINDER, Acceptance.key_for("v3", MEMBERS[0])))
    assert [v.id for v in versions] == ["v1", "v2", "v3"]
    assert action is not None and action.due_at == harness.clock.now() + timedelta(days=7)
