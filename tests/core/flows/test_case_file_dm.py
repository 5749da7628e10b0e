"""``/case file``: the case file sent by DM as attachments, to staff, the committee and
counsel not party to the case (the Executive Committee once it is appealed); recorded;
anonymous reporters anonymous in it; a conflicted or unentitled person is refused
politely with nothing sent."""

from __future__ import annotations

import json

import jsonschema
import pytest

from bot.core.errors import DeliveryFailed, NotPermitted
from bot.core.flows.cases import CaseFlows
from bot.core.models import Actor, AuditEntry, Case, Role, Severity
from bot.core.services import ReportDraft
from tests.core.flows import test_appeals
from tests.core.flows.test_case_file import EXECUTIVE, REPORTER, SCHEMA, SUBJECT, decided_case
from tests.core.harness import STAFF, Harness, committee_actor, person

COUNSEL = Actor(person("counsel"), frozenset({Role.COUNSEL}))


async def _exports(h: Harness, action: str = "case.exported") -> list[AuditEntry]:
    async with h.storage.transaction() as tx:
        return await tx.find(AuditEntry, action=action)


async def test_a_committee_member_gets_the_file_by_dm_and_it_is_recorded(
        harness: Harness) -> None:
    case, _ = await decided_case(harness)
    member = committee_actor(person("c2"))
    outcome = await CaseFlows(harness.services).file(member, case.id.lower())
    assert outcome.text is not None and case.id in outcome.text and "direct messages" in \
        outcome.text
    [(to, notice)] = [(p, n) for p, n in harness.platform.dms if n.attachments]
    assert to == member.person and case.id in notice.text
    by_name = {a.filename: a for a in notice.attachments}
    assert set(by_name) == {f"{case.id}.json", f"{case.id}.html"}
    document = json.loads(by_name[f"{case.id}.json"].data)
    jsonschema.validate(document, SCHEMA)
    assert document["case"]["id"] == case.id and len(document["motions"][0]["votes"]) == 6
    page = by_name[f"{case.id}.html"].data.decode()
    assert page.startswith("<!DOCTYPE html>") and "<script>alert" not in page
    assert by_name[f"{case.id}.html"].content_type == "text/html"
    [entry] = await _exports(harness)
    assert entry.subject_id == case.id and entry.actor == member.person
    assert entry.details == "sent by direct message on discord"


@pytest.mark.parametrize("actor", [STAFF, COUNSEL, EXECUTIVE], ids=["staff", "counsel",
                                                                    "executive-appealed"])
async def test_staff_counsel_and_the_executive_of_an_appealed_case_may_have_it(
        harness: Harness, actor: Actor) -> None:
    case, _ = await decided_case(harness)
    await CaseFlows(harness.services).file(actor, case.id)
    assert len(harness.platform.files_to(actor.person)) == 2


async def test_the_anonymous_reporter_is_nowhere_in_the_file(harness: Harness) -> None:
    case, tag = await decided_case(harness)
    await CaseFlows(harness.services).file(STAFF, case.id)
    for attachment in harness.platform.files_to(STAFF.person):
        text = attachment.data.decode()
        for needle in (REPORTER.id, REPORTER.key, tag, "whistle42"):
            assert needle not in text, (attachment.filename, needle)
        assert "anon-" in text or "pseudonym" in text  # the pseudonym stands in for them


@pytest.mark.parametrize(("actor", "says"), [
    (committee_actor(person("c6")), "you recused yourself from it"),
    (Actor(SUBJECT, frozenset({Role.STAFF})), "you appealed its decision"),  # and subject
    (Actor(REPORTER, frozenset({Role.COMMITTEE})), "you reported it"),
], ids=["recused", "subject-on-staff", "anonymous-reporter-on-committee"])
async def test_a_party_to_the_case_is_refused_politely_and_nothing_is_sent(
        harness: Harness, actor: Actor, says: str) -> None:
    case, _ = await decided_case(harness)
    before = len(harness.platform.dms)
    with pytest.raises(NotPermitted, match=says) as refused:
        await CaseFlows(harness.services).file(actor, case.id)
    assert "Nothing was sent" in str(refused.value)
    assert len(harness.platform.dms) == before
    assert await _exports(harness) == []


async def test_no_standing_is_refused_alike_for_real_and_unknown_cases(
        harness: Harness) -> None:
    case, _ = await decided_case(harness)
    member = Actor(person("nobody"))
    refusals = []
    for ref in (case.id, "C-NOSUCH"):
        with pytest.raises(NotPermitted) as refused:
            await CaseFlows(harness.services).file(member, ref)
        refusals.append(str(refused.value))
    assert refusals[0] == refusals[1]  # nobody learns whether the case exists
    assert harness.platform.files_to(member.person) == []


async def test_the_executive_waits_for_an_appeal(harness: Harness) -> None:
    case: Case = await harness.services.cases.open_by_staff(
        STAFF, person("x"), "a summary", Severity.SERIOUS)
    with pytest.raises(NotPermitted, match="has no appeal"):
        await CaseFlows(harness.services).file(EXECUTIVE, case.id)
    assert harness.platform.files_to(EXECUTIVE.person) == []


async def test_closed_dms_send_nothing_say_so_and_are_recorded(harness: Harness) -> None:
    case, _ = await decided_case(harness)
    harness.platform.closed_dms.add(STAFF.person)
    with pytest.raises(DeliveryFailed, match="could not send you a direct message"):
        await CaseFlows(harness.services).file(STAFF, case.id)
    assert harness.platform.files_to(STAFF.person) == []
    [failed] = await _exports(harness, "case.export_undelivered")
    assert failed.subject_id == case.id and failed.actor == STAFF.person


async def _named_case(h: Harness) -> Case:
    await h.seat_committee()
    report = await h.services.reports.submit(REPORTER, ReportDraft(
        reason="He keeps following me into every channel", target=SUBJECT))
    return await h.services.reports.escalate(STAFF, report.id)


@pytest.mark.parametrize("actor", [committee_actor(person("c2")), COUNSEL],
                         ids=["committee", "counsel"])
async def test_a_named_reporter_is_shown_to_staff_only(harness: Harness, actor: Actor) -> None:
    """A named report shows its reporter to staff and to nobody else (README, "Who sees
    what"): the committee and counsel read the case file without the reporter's account;
    staff get it with."""
    case = await _named_case(harness)
    await CaseFlows(harness.services).file(actor, case.id)
    document = json.loads(harness.platform.files_to(actor.person)[0].data)
    jsonschema.validate(document, SCHEMA)
    assert REPORTER.id not in json.dumps(document)
    assert document["case"]["reporter"] == document["reports"][0]["reporter"] == \
        "named (shown to staff only)"
    assert "following me" in json.dumps(document)  # the words stay for the committee
    await CaseFlows(harness.services).file(STAFF, case.id)
    staff_copy = json.loads(harness.platform.files_to(STAFF.person)[0].data)
    assert staff_copy["case"]["reporter"] == REPORTER.key


async def test_a_named_reporters_appeal_does_not_name_them_to_the_executive_file(
        harness: Harness) -> None:
    case = await test_appeals.decided_case(harness)
    await harness.services.appeals.file(test_appeals.REPORTER, case.id,
                                        "The sanction is too light for what he did.")
    executive = Actor(test_appeals.EXECUTIVE.person, frozenset({Role.EXECUTIVE}))
    await CaseFlows(harness.services).file(executive, case.id)
    document = json.loads(harness.platform.files_to(executive.person)[0].data)
    assert test_appeals.REPORTER.key not in json.dumps(document)
    assert document["appeals"][0]["appellant"] == "named (shown to staff only)"
