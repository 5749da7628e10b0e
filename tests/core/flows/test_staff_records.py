"""Staff records as flows, once for every platform: lifting suspensions, a person's history,
linking accounts, reversing an incident, a case's staff side, the roster.

Each flow is driven the way a front-end drives it (an ``Actor`` and what was typed) and
its ``Outcome`` is checked as the person would read it; each refuses a participant through
the service, changing nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.core.durations import parse_duration
from bot.core.errors import CocBotError, InvalidInput, InvalidState, NotFound, NotPermitted
from bot.core.flows import Outcome
from bot.core.flows.cases import CaseFlows
from bot.core.flows.records import RecordFlows
from bot.core.flows.roster import RosterFlows
from bot.core.flows.staff import StaffFlows
from bot.core.identity import PersonRef, PlatformName
from bot.core.models import (
    ENTITY_TYPES,
    Actor,
    Case,
    CaseOrigin,
    CaseStatus,
    IncidentKind,
    Office,
    PersonLink,
    Role,
    SanctionScope,
    VoteChoice,
)
from bot.core.rules.windows import appeal_deadline
from bot.core.services import IncidentDraft, SuspensionRequest
from bot.core.services._context import Reach
from tests.core.harness import STAFF, Harness, committee_actor, person

SUBJECT = person("123456789012345678")  # a Discord-sized id, which must never be masked
PARTICIPANT = Actor(person("member"))
SPACES = {PlatformName.DISCORD: "100", PlatformName.SLACK: "T1"}


async def snapshot(h: Harness) -> dict[str, list[object]]:
    async with h.storage.transaction() as tx:
        return {cls.__name__: await tx.find(cls) for cls in ENTITY_TYPES}


def text(outcome: Outcome) -> str:
    assert outcome.text is not None
    return outcome.text


async def suspend(h: Harness, subject: PersonRef = SUBJECT, duration: str = "7d") -> str:
    sanction = await h.services.sanctions.suspend(STAFF, SuspensionRequest(
        subject=subject, duration=parse_duration(duration), scope=SanctionScope.SPACE,
        reason="insults"))
    return sanction.id


async def automod_incident(h: Harness) -> str:
    outcome = await h.services.incidents.handle(None, IncidentDraft(
        subject=SUBJECT, kind=IncidentKind.WARNING, clause_id="no-harassment"))
    return outcome.incident.id


async def decided_case(h: Harness) -> Case:
    """A decided case whose decision could not be DM'd: staff must record communication."""
    members = await h.seat_committee()
    case = await h.services.cases.open(STAFF.person, SUBJECT, "threats in #general",
                                       origin=CaseOrigin.STAFF)
    await h.hear(case.id)
    motion = await h.services.cases.propose(committee_actor(members[0]), case.id,
                                            "Suspend for 30 days")
    for member in members[:4]:
        await h.services.cases.vote(member, motion.id, VoteChoice.YES)
    h.platform.closed_dms.add(SUBJECT)
    decided, delivered = await h.services.decisions.decide(STAFF, case.id)
    assert delivered is Reach.NONE
    return decided


# -- every flow refuses a participant, in the service, and changes nothing ---------------

@dataclass
class World:
    sanction: str
    incident: str
    case: Case


async def world(h: Harness) -> World:
    sanction = await suspend(h)
    incident = await automod_incident(h)
    return World(sanction, incident, await decided_case(h))


Attempt = Callable[[Harness, World], Awaitable[Outcome]]
ATTEMPTS: dict[str, tuple[Attempt, str]] = {
    "unsuspend": (lambda h, w: StaffFlows(h.services).unsuspend(PARTICIPANT, SUBJECT),
                  "Only staff can lift suspensions"),
    "history": (lambda h, w: RecordFlows(h.services).history(PARTICIPANT, SUBJECT),
                "Only staff can see a member's history"),
    "link": (lambda h, w: RecordFlows(h.services).link(PARTICIPANT, SUBJECT, "UABC123", SPACES),
             "Only staff can link accounts"),
    "reverse": (lambda h, w: RecordFlows(h.services).reverse_incident(
        PARTICIPANT, w.incident, "a joke"), "Only staff can reverse incidents"),
    "case open": (lambda h, w: CaseFlows(h.services).open(PARTICIPANT, SUBJECT, "bad"),
                  "Only staff can open committee cases"),
    "case show": (lambda h, w: CaseFlows(h.services).show(PARTICIPANT, w.case.id),
                  "Only staff, the committee, counsel or the Executive Committee"),
    "communicated": (lambda h, w: CaseFlows(h.services).communicated(PARTICIPANT, w.case.id),
                     "Only staff can record"),
    "case close": (lambda h, w: CaseFlows(h.services).close(PARTICIPANT, w.case.id, "amends"),
                   "Only staff can close cases"),
    "appoint": (lambda h, w: RosterFlows(h.services).appoint(PARTICIPANT, PARTICIPANT.person,
                                                             "executive"),
                "Only staff can change the committee roster"),
    "roster show": (lambda h, w: RosterFlows(h.services).show(PARTICIPANT),
                    "Only staff can see the committee roster"),
}


@pytest.mark.parametrize("name", ATTEMPTS)
async def test_a_participant_is_refused_by_the_service_and_nothing_changes(
        harness: Harness, name: str) -> None:
    w = await world(harness)
    attempt, refusal = ATTEMPTS[name]
    before, dms, posts = await snapshot(harness), len(harness.platform.dms), \
        len(harness.platform.posts)
    with pytest.raises(NotPermitted, match=refusal) as refused:
        await attempt(harness, w)
    assert w.case.id not in str(refused.value)  # nobody learns a case exists
    assert await snapshot(harness) == before
    assert (len(harness.platform.dms), len(harness.platform.posts)) == (dms, posts)


async def test_a_committee_member_may_look_at_a_case_but_not_close_it(
        harness: Harness) -> None:
    case = await decided_case(harness)
    member = committee_actor(person("c2"))
    shown = text(await CaseFlows(harness.services).show(member, case.id))
    assert f"**Case {case.id}** — decided" in shown
    with pytest.raises(NotPermitted, match="Only staff can close cases"):
        await CaseFlows(harness.services).close(member, case.id, "amends")


# -- unsuspend ---------------------------------------------------------------------------

async def test_unsuspend_lifts_every_suspension_and_names_them(harness: Harness) -> None:
    first, second = await suspend(harness), await suspend(harness, duration="2w")
    reply = text(await StaffFlows(harness.services).unsuspend(STAFF, SUBJECT))
    lifted, _ = reply.removeprefix("Lifted ").split(":", 1)
    assert sorted(lifted.split(", ")) == sorted([first, second])
    assert f"<@{SUBJECT.id}>" in reply
    assert len(harness.platform.restored) == 2
    assert harness.platform.dms_to(SUBJECT)[-1]  # told their access is back
    with pytest.raises(InvalidState, match="has no active suspension"):
        await StaffFlows(harness.services).unsuspend(STAFF, SUBJECT)


# -- history -----------------------------------------------------------------------------

async def test_history_lists_the_record_with_times_as_the_reader_sees_them(
        harness: Harness) -> None:
    incident = await automod_incident(harness)
    await RecordFlows(harness.services).reverse_incident(STAFF, incident, "a quoted insult")
    permanent = await suspend(harness, duration="permanent")
    await harness.services.cases.open(STAFF.person, SUBJECT, "call me on 555-123-4567",
                                      origin=CaseOrigin.STAFF)
    shown = text(await RecordFlows(harness.services).history(STAFF, SUBJECT))
    assert f"**Accounts:** `{SUBJECT.key}`" in shown  # a long id is not read as a phone
    assert "**Incidents (1):**" in shown
    assert f"{incident} warning — no-harassment (discord) (reversed) [auto]" in shown
    assert f"{permanent} space until never (permanent) — active" in shown
    assert "**Cases (1):**" in shown and "555-123-4567" not in shown
    assert "Appeals" not in shown and "bad faith" not in shown


async def test_an_empty_history_says_none_rather_than_nothing(harness: Harness) -> None:
    shown = text(await RecordFlows(harness.services).history(STAFF, SUBJECT))
    assert shown.count("• none") == 3


# -- link --------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "expected"), [
    ("UABC123", PersonRef(PlatformName.SLACK, "T1", "UABC123")),
    ("4242", PersonRef(PlatformName.DISCORD, "100", "4242")),
    ("slack:T9:U777", PersonRef(PlatformName.SLACK, "T9", "U777")),
])
async def test_link_reads_the_other_account_as_typed(harness: Harness, typed: str,
                                                     expected: PersonRef) -> None:
    reply = text(await RecordFlows(harness.services).link(STAFF, SUBJECT, typed, SPACES))
    assert reply == f"Linked `{SUBJECT.key}` and `{expected.key}`: their histories are now one."
    history = await harness.services.people.history(STAFF, expected)
    assert history.accounts == sorted([SUBJECT, expected])


@pytest.mark.parametrize(("typed", "spaces", "refusal"), [
    ("bob", SPACES, "I cannot tell which account 'bob' is"),
    ("UABC123", {PlatformName.DISCORD: "100"}, "serves no slack space of its own"),
    ("matrix:x:y", SPACES, "'matrix' is not a platform"),
    (SUBJECT.id, SPACES, "the same account"),
])
async def test_bad_links_are_refused_and_change_nothing(
        harness: Harness, typed: str, spaces: dict[PlatformName, str], refusal: str) -> None:
    before = await snapshot(harness)
    with pytest.raises(InvalidInput, match=refusal):
        await RecordFlows(harness.services).link(STAFF, SUBJECT, typed, spaces)
    assert await snapshot(harness) == before
    async with harness.storage.transaction() as tx:
        assert await tx.find(PersonLink) == []


# -- incident reverse --------------------------------------------------------------------

async def test_reverse_incident_replies_and_bad_input_changes_nothing(harness: Harness) -> None:
    incident = await automod_incident(harness)
    before = await snapshot(harness)
    with pytest.raises(InvalidInput, match="Please say why the incident was a mistake"):
        await RecordFlows(harness.services).reverse_incident(STAFF, incident, "   ")
    with pytest.raises(NotFound, match="no incident 'I-0000000'"):
        await RecordFlows(harness.services).reverse_incident(STAFF, "I-0000000", "oops")
    assert await snapshot(harness) == before
    reply = text(await RecordFlows(harness.services).reverse_incident(
        STAFF, incident.lower(), "a quoted insult"))
    assert reply == f"Incident {incident} reversed; it no longer counts."


# -- cases -------------------------------------------------------------------------------

async def test_open_show_and_close_a_case(harness: Harness) -> None:
    cases = CaseFlows(harness.services)
    before = await snapshot(harness)
    with pytest.raises(InvalidInput, match="'minor' is not a severity"):
        await cases.open(STAFF, SUBJECT, "threats", "minor")
    assert await snapshot(harness) == before

    opened = text(await cases.open(STAFF, SUBJECT, "threats in #general", "Severe"))
    async with harness.storage.transaction() as tx:
        (case,) = await tx.find(Case)
    assert opened == f"Case {case.id} opened for the committee." and case.severity.value == "severe"
    shown = text(await cases.show(STAFF, case.id.lower()))
    assert shown.splitlines()[:3] == [f"**Case {case.id}** — open (severe, from staff)",
                                      f"Subject: <@{SUBJECT.id}>",
                                      "Summary: threats in #general"]

    with pytest.raises(InvalidInput, match="Please say why the case is closed"):
        await cases.close(STAFF, case.id, " ")
    closed = text(await cases.close(STAFF, case.id, "the two members made amends"))
    assert closed == f"Case {case.id} closed. The committee's thread was told."
    thread_post = harness.platform.posts[-1][1].text
    assert thread_post == (f"Case {case.id} was closed by staff without a decision. "
                           "Reason: the two members made amends")
    assert (await harness.services.cases.get(case.id)).status is CaseStatus.CLOSED
    with pytest.raises(InvalidState, match="is closed, not open"):
        await cases.close(STAFF, case.id, "again")


async def test_a_reader_on_another_platform_sees_the_subject_by_account_key(
        harness: Harness) -> None:
    case = await decided_case(harness)
    on_slack = Actor(person("U-STAFF", PlatformName.SLACK, "T1"), frozenset({Role.STAFF}))
    shown = text(await CaseFlows(harness.services).show(on_slack, case.id))
    assert f"Subject: `{SUBJECT.key}`" in shown and "<@" not in shown


async def test_communicated_starts_the_appeal_window_shown_in_the_readers_time(
        harness: Harness) -> None:
    case = await decided_case(harness)
    harness.clock.advance(timedelta(days=2))
    reply = text(await CaseFlows(harness.services).communicated(STAFF, case.id))
    deadline = appeal_deadline(harness.clock.now(), timedelta(days=60),
                               harness.ctx.calendar.zone)
    assert reply == (f"Recorded for case {case.id}. Appeals are open until "
                     f"{deadline:%Y-%m-%d %H:%M} UTC.")
    shown = text(await CaseFlows(harness.services).show(STAFF, case.id))
    assert f"Appeal window until {deadline:%Y-%m-%d %H:%M} UTC" in shown
    with pytest.raises(InvalidState, match="not awaiting communication"):
        await CaseFlows(harness.services).communicated(STAFF, case.id)


# -- the roster --------------------------------------------------------------------------

async def test_appoint_with_seat_and_term_start_then_show(harness: Harness) -> None:
    roster = RosterFlows(harness.services)
    assert text(await roster.show(STAFF)).splitlines()[0] == (
        "Nobody holds an office yet: seat people with /roster appoint.")
    alice, bob = person("alice"), person("bob")
    seated = text(await roster.appoint(STAFF, alice, "Committee", seat=3,
                                       term_start="2025-01-01"))
    assert seated.startswith("<@alice> appointed to committee seat 3, term 2025-01-01 to "
                             "2028-01-01 (P-")
    counsel = text(await roster.appoint(STAFF, bob, "counsel"))
    assert counsel.startswith(f"<@bob> appointed to counsel from {harness.clock.now():%Y-%m-%d}")
    shown = text(await roster.show(STAFF)).splitlines()
    assert shown[0].startswith("• committee: <@alice> seat 3, term 2025-01-01 to 2028-01-01 (P-")
    assert shown[1].startswith("• counsel: <@bob> (P-")
    assert shown[2] == "Empty committee seats: 1, 2, 4, 5, 6, 7"


async def test_a_full_committee_says_so(harness: Harness) -> None:
    await harness.seat_committee()
    assert text(await RosterFlows(harness.services).show(STAFF)).endswith(
        "Every committee seat is filled.")


@pytest.mark.parametrize(("office", "seat", "start", "error", "refusal"), [
    ("chair", None, None, InvalidInput, "'chair' is not an office"),
    ("committee", 3, "2025-02-30", InvalidInput, "'2025-02-30' is not a date"),
    ("counsel", 2, None, InvalidInput, "Only committee appointments have a seat number"),
    ("committee", 42, None, InvalidInput, "Seats are numbered 1 to 7"),
])
async def test_bad_appointments_are_refused_and_change_nothing(
        harness: Harness, office: str, seat: int | None, start: str | None,
        error: type[CocBotError], refusal: str) -> None:
    before = await snapshot(harness)
    with pytest.raises(error, match=refusal):
        await RosterFlows(harness.services).appoint(STAFF, person("alice"), office, seat=seat,
                                                    term_start=start)
    assert await snapshot(harness) == before
    assert await harness.services.roster.current(Office.COMMITTEE) == []
