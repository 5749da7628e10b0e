"""Staff records on Slack: ``/roster``, ``/incident reverse``, ``/case close`` and ``/case show``.

Each runs through signed requests; the assertions are on what the fake Slack received
(``response_url`` replies, committee-thread posts) and on what the database kept.
"""

from __future__ import annotations

from datetime import date

from bot.core.models import Appointment, Case, CaseStatus, Incident, IncidentKind
from bot.core.services import IncidentDraft
from tests.slack.conftest import COMMITTEE, COMMITTEE_CH, REPORTER, STAFF_USER, SUBJECT, SlackWorld
from tests.slack.test_committee import _motion, _react


async def _appointments(world: SlackWorld) -> list[Appointment]:
    async with world.app.storage.transaction() as tx:
        return await tx.find(Appointment)


async def test_roster_appoint_with_seat_and_term_start_then_show(world: SlackWorld) -> None:
    await world.command("/roster", f"appoint <@{COMMITTEE[0]}|c1> committee 3 2025-01-01")
    reply = world.fake.responses()[-1]
    assert f"<@{COMMITTEE[0]}> appointed to committee seat 3" in reply
    assert "2025-01-01 to 2028-01-01" in reply
    await world.command("/roster", f"appoint <@{SUBJECT}> counsel")
    assert "appointed to counsel" in world.fake.responses()[-1]

    made = {a.person.id: a for a in await _appointments(world)}
    assert made[COMMITTEE[0]].seat == 3 and made[COMMITTEE[0]].term_start == date(2025, 1, 1)
    assert made[COMMITTEE[0]].person == world.person(COMMITTEE[0])
    assert made[SUBJECT].seat is None

    await world.command("/roster", "show")
    shown = world.fake.responses()[-1]
    assert f"committee: <@{COMMITTEE[0]}> seat 3, term 2025-01-01 to 2028-01-01" in shown
    assert f"counsel: <@{SUBJECT}>" in shown
    assert "Empty committee seats: 1, 2, 4, 5, 6, 7" in shown


async def test_roster_refuses_bad_input_and_participants_politely(world: SlackWorld) -> None:
    await world.command("/roster", f"appoint <@{COMMITTEE[0]}> chair")
    await world.command("/roster", f"appoint <@{COMMITTEE[0]}> committee 3 2025-02-30")
    await world.command("/roster", f"appoint <@{COMMITTEE[0]}> counsel 2")
    await world.command("/roster", f"appoint <@{COMMITTEE[0]}> committee 42")
    await world.command("/roster", "show", user=REPORTER)
    await world.command("/roster", f"appoint <@{REPORTER}> executive", user=REPORTER)
    replies = world.fake.responses()
    assert "not an office" in replies[0]
    assert "not a date" in replies[1]
    assert "Only committee appointments have a seat" in replies[2]
    assert "Seats are numbered 1 to 7" in replies[3]
    assert "Only staff can see the committee roster" in replies[4]
    assert "Only staff can change the committee roster" in replies[5]
    assert await _appointments(world) == []
    assert all(c.method in ("auth.test", "usergroups.users.list", "response_url")
               for c in world.fake.calls)


async def _automod_incident(world: SlackWorld) -> Incident:
    outcome = await world.app.services.incidents.handle(None, IncidentDraft(
        subject=world.person(SUBJECT), kind=IncidentKind.WARNING, clause_id="no-harassment",
        rule_id="insults"))
    return outcome.incident


async def _incident(world: SlackWorld, ref: str) -> Incident:
    async with world.app.storage.transaction() as tx:
        found = await tx.get(Incident, ref)
    assert found is not None
    return found


async def test_incident_reverse_marks_it_a_mistake(world: SlackWorld) -> None:
    incident = await _automod_incident(world)
    world.fake.reset()
    await world.command("/incident", f"reverse {incident.id.lower()} a quoted insult, not one")
    assert world.fake.responses()[-1] == (f"Incident {incident.id} reversed; it no longer "
                                          "counts.")
    reversed_ = await _incident(world, incident.id)
    assert reversed_.reversed_at is not None
    assert reversed_.reversed_by == world.person(STAFF_USER)
    await world.command("/history", f"<@{SUBJECT}>")
    assert f"{incident.id} warning — no-harassment (slack) (reversed)" in \
        world.fake.responses()[-1]


async def test_incident_reverse_bad_input_changes_nothing(world: SlackWorld) -> None:
    incident = await _automod_incident(world)
    world.fake.reset()
    await world.command("/incident", f"reverse {incident.id}")             # no reason
    await world.command("/incident", "reverse I-0000000 wrong person")     # unknown ref
    await world.command("/incident", "undo")                               # no such verb
    await world.command("/incident", f"reverse {incident.id} mine", user=REPORTER)
    replies = world.fake.responses()
    assert "Please say why the incident was a mistake" in replies[0]
    assert "There is no incident 'I-0000000'" in replies[1]
    assert "Usage: /incident reverse" in replies[2]
    assert "Only staff can reverse incidents" in replies[3]
    assert (await _incident(world, incident.id)).reversed_at is None
    assert world.fake.called("chat.postMessage") == []
    assert all(c.get("response_type") == "ephemeral" for c in world.fake.called("response_url"))


async def _open_case(world: SlackWorld) -> Case:
    await world.seat_committee()
    await world.command("/case", f"open <@{SUBJECT}> a dispute between two members")
    async with world.app.storage.transaction() as tx:
        cases = await tx.find(Case)
    assert len(cases) == 1 and cases[0].thread is not None
    return cases[0]


async def test_case_close_closes_and_tells_the_committee_thread(world: SlackWorld) -> None:
    case = await _open_case(world)
    assert case.thread is not None
    channel, thread_ts = case.thread.id.split("/")
    world.fake.reset()
    await world.command("/case", f"close {case.id} the two members made amends")
    assert f"Case {case.id} closed" in world.fake.responses()[-1]
    told = world.fake.called("chat.postMessage", channel=COMMITTEE_CH, thread_ts=thread_ts)
    assert channel == COMMITTEE_CH and len(told) == 1
    assert "closed by staff" in told[0].get("text") and "made amends" in told[0].get("text")
    closed = await world.app.services.cases.get(case.id)
    assert closed.status is CaseStatus.CLOSED

    await world.command("/case", f"show {case.id}")
    assert f"*Case {case.id}* — closed" in world.fake.responses()[-1]
    await world.command("/case", f"close {case.id} again")
    assert "is closed, not open" in world.fake.responses()[-1]


async def test_case_close_bad_input_changes_nothing(world: SlackWorld) -> None:
    case = await _open_case(world)
    world.fake.reset()
    await world.command("/case", f"close {case.id}")                      # no reason
    await world.command("/case", "close C-0000000 withdrawn")             # unknown ref
    await world.command("/case", "close")                                 # nothing at all
    await world.command("/case", f"close {case.id} withdrawn", user=COMMITTEE[0])
    replies = world.fake.responses()
    assert "Please say why the case is closed without a decision" in replies[0]
    assert "There is no case 'C-0000000'" in replies[1]
    assert "Usage: /case open" in replies[2]
    assert "Only staff can close cases" in replies[3]
    assert (await world.app.services.cases.get(case.id)).status is CaseStatus.OPEN
    assert world.fake.called("chat.postMessage") == []


async def test_case_communicated_starts_the_appeal_window_after_a_failed_dm(
        world: SlackWorld) -> None:
    case = await _open_case(world)
    await world.command("/case", f"communicated {case.id}")
    assert "not awaiting communication" in world.fake.responses()[-1]  # not decided yet
    motion = await _motion(world, case)
    for member in COMMITTEE[:4]:
        await _react(world, motion, member, "white_check_mark")
    await world.hear(case.id)
    world.fake.unreachable.add(SUBJECT)
    await world.command("/decide", case.id, user=COMMITTEE[0], channel=COMMITTEE_CH)
    assert (await world.app.services.cases.get(case.id)).communicated_at is None
    await world.command("/case", f"communicated {case.id}", user=REPORTER)
    assert "Only staff" in world.fake.responses()[-1]
    await world.command("/case", f"communicated {case.id}")
    assert "Appeals are open until <!date^" in world.fake.responses()[-1]
    updated = await world.app.services.cases.get(case.id)
    assert updated.communicated_at is not None and updated.appeal_deadline is not None
