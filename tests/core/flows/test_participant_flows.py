"""The participant, committee and Code flows: what each reply says, and that bad input
gets a polite refusal that changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.errors import InvalidInput, InvalidState, NotFound, NotPermitted
from bot.core.flows.appeals import AppealFlows
from bot.core.flows.code import STATUS_NAMES, CodeFlows
from bot.core.flows.committee import CommitteeFlows
from bot.core.flows.reports import ReportFlows, Seen
from bot.core.identity import MessageRef, PlaceRef, PlatformName
from bot.core.markup import ZWJ
from bot.core.models import ENTITY_TYPES, Actor, Motion, MotionStatus, Report, Role, VoteChoice
from bot.core.ports import SeenMessage
from tests.core.flows.directory import FakeDirectory
from tests.core.flows.test_roles import ACTORS, SUBJECT, scene
from tests.core.harness import STAFF, Harness, committee_actor, person

REPORTER = person("alice")
HERE = PlaceRef(PlatformName.DISCORD, "100", "general")
LINKED = MessageRef(PlatformName.DISCORD, "100", "private", "9")
COMMITTEE = ACTORS["committee"]


async def rows(h: Harness) -> tuple[object, ...]:
    async with h.storage.transaction() as tx:
        found = tuple([await tx.find(cls) for cls in ENTITY_TYPES])
    return found, len(h.platform.dms), len(h.platform.posts)


async def only_report(h: Harness) -> Report:
    async with h.storage.transaction() as tx:
        [report] = await tx.find(Report)
    return report


async def open_motion(h: Harness) -> tuple[Motion, MessageRef]:
    """A second motion on the scene's case, open for votes, and the message it was put in."""
    s = await scene(h)
    await CommitteeFlows(h.services).motion(committee_actor(person("c6")), s.case,
                                            "A warning")
    async with h.storage.transaction() as tx:
        [motion] = await tx.find(Motion, status=MotionStatus.OPEN)
    assert motion.message is not None
    return motion, motion.message


# Reporting ----------------------------------------------------------------------------


async def test_a_link_the_reporter_cannot_read_is_refused_and_nothing_is_filed(
        harness: Harness) -> None:
    # The bot could read it (staff's channel), and someone else can: not the reporter.
    directory = FakeDirectory(readable={(person("bob"), LINKED): SeenMessage(
        person("bob"), "the staff channel's secret")})
    before = await rows(harness)
    with pytest.raises(NotFound) as err:
        await ReportFlows(harness.services).report(
            REPORTER, directory, reason="look at this", anonymous=False, message=LINKED,
            link="https://example/9", here=HERE)
    assert err.value.message == harness.ctx.messages.render("link_unreadable")
    assert await rows(harness) == before


async def test_a_readable_link_gives_the_author_the_excerpt_and_the_place(
        harness: Harness) -> None:
    directory = FakeDirectory(readable={(REPORTER, LINKED): SeenMessage(
        SUBJECT, "you are an idiot")})
    outcome = await ReportFlows(harness.services).report(
        REPORTER, directory, reason="an insult", anonymous=False, message=LINKED,
        link="https://example/9", here=HERE)
    report = await only_report(harness)
    assert outcome.text == harness.services.reports.acknowledgement(report)
    assert report.target == SUBJECT and report.message_excerpt == "you are an idiot"
    assert report.channel == LINKED.place and report.message_link == "https://example/9"


async def test_a_report_about_a_person_is_filed_where_the_reporter_was(
        harness: Harness) -> None:
    await ReportFlows(harness.services).report(
        REPORTER, FakeDirectory(), reason="follows me around", anonymous=True,
        target=SUBJECT, link="ignored without a message", here=HERE)
    report = await only_report(harness)
    assert report.channel == HERE and report.message is None and report.message_link is None
    assert report.anonymous and report.reporter is None  # sealed


async def test_a_report_from_the_message_menu_uses_what_the_reporter_saw(
        harness: Harness) -> None:
    seen = Seen(LINKED, "https://example/9", SUBJECT, "you are an idiot")
    outcome = await ReportFlows(harness.services).report_seen(
        REPORTER, seen, reason="an insult", anonymous=False)
    report = await only_report(harness)
    assert outcome.text is not None and report.id in outcome.text
    assert (report.target, report.message, report.message_excerpt) == (
        SUBJECT, LINKED, "you are an idiot")


@pytest.mark.parametrize(("answer", "anonymous"), [
    ("yes", True), (" Y ", True), ("no", False), ("N", False), ("", False)])
def test_the_anonymity_answer(harness: Harness, answer: str, anonymous: bool) -> None:
    assert ReportFlows(harness.services).anonymous(answer) is anonymous


@pytest.mark.parametrize("answer", ["maybe", "oui", "yes!"])
def test_another_anonymity_answer_is_asked_again(harness: Harness, answer: str) -> None:
    with pytest.raises(InvalidInput, match="Please answer 'yes' or 'no'"):
        ReportFlows(harness.services).anonymous(answer)


# The committee ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["recuse", "motion", "overrule", "decide", "appeal"])
async def test_a_missing_case_reference_is_asked_for(harness: Harness, command: str) -> None:
    await scene(harness)
    committee, appeals = CommitteeFlows(harness.services), AppealFlows(harness.services)
    runs = {"recuse": lambda: committee.recuse(COMMITTEE, "  ", "my cousin"),
            "motion": lambda: committee.motion(COMMITTEE, "", "A warning"),
            "overrule": lambda: committee.overrule(ACTORS["counsel"], "", "a risk"),
            "decide": lambda: committee.decide(STAFF, ""),
            "appeal": lambda: appeals.file(SUBJECT, "", "I was quoting someone else.")}
    before = await rows(harness)
    with pytest.raises(InvalidInput, match=r"Please give the case reference \(C-…\)"):
        await runs[command]()
    assert await rows(harness) == before


async def test_a_motion_may_decide_a_suspension(harness: Harness) -> None:
    s = await scene(harness)
    outcome = await CommitteeFlows(harness.services).motion(
        committee_actor(person("c6")), s.case, "Suspend for a week", suspend_for="7d")
    async with harness.storage.transaction() as tx:
        [motion] = await tx.find(Motion, status=MotionStatus.OPEN)
    assert outcome.text == (f"Motion {motion.id} is open for votes: react with ✅ (yes), "
                            "❌ (no) or ➖ (abstain).")
    assert (motion.sanction_duration, motion.sanction_clause) == ("7d", "no-harassment")


async def test_an_undelivered_decision_says_how_to_start_the_window(harness: Harness) -> None:
    s = await scene(harness)
    harness.platform.closed_dms.add(SUBJECT)
    outcome = await CommitteeFlows(harness.services).decide(STAFF, s.case)
    assert outcome.text is not None and "could not be delivered by DM" in outcome.text
    assert f"/case communicated {s.case}" in outcome.text


async def test_a_sent_decision_gives_the_deadline_as_the_platform_writes_times(
        harness: Harness) -> None:
    s = await scene(harness)
    outcome = await CommitteeFlows(harness.services).decide(STAFF, s.case)
    case = await harness.services.cases.get(s.case)
    assert case.appeal_deadline is not None
    assert outcome.text == ("Decision sent by DM. Appeals are open until "
                            f"{harness.platform.format_time(case.appeal_deadline)}.")


async def test_applying_says_until_when(harness: Harness) -> None:
    s = await scene(harness)
    outcome = await CommitteeFlows(harness.services).apply(STAFF, s.motion)
    assert outcome.text is not None
    end = harness.clock.now() + timedelta(days=30)
    assert f"(until {harness.platform.format_time(end)})" in outcome.text


async def test_a_reaction_that_is_no_vote_is_refused_and_its_label_is_inert(
        harness: Harness) -> None:
    flows = CommitteeFlows(harness.services)
    motion, message = await open_motion(harness)
    refused = await flows.reaction(COMMITTEE.person, message, "", ":@everyone:",
                                   added=True)
    assert refused is not None and refused.motion == motion.id
    assert f"reaction on motion {motion.id} does not count" in refused.text
    assert "@everyone" not in refused.text
    assert f"@{ZWJ}everyone" in refused.text
    assert "only ✅ (yes), ❌ (no) and ➖ (abstain) are votes" in refused.text
    assert await flows.reaction(COMMITTEE.person, message, "", ":tada:",
                                added=False) is None


async def test_a_reaction_elsewhere_is_ignored_and_a_removed_vote_is_withdrawn(
        harness: Harness) -> None:
    flows = CommitteeFlows(harness.services)
    motion, message = await open_motion(harness)
    elsewhere = MessageRef(PlatformName.DISCORD, "100", "general", "1")
    assert await flows.reaction(COMMITTEE.person, elsewhere, "🎉", "🎉", added=True) is None
    await harness.services.cases.vote(COMMITTEE.person, motion.id, VoteChoice.NO)
    assert (await harness.services.cases.tally_for(motion.id)).no == 1
    assert await flows.reaction(COMMITTEE.person, message, "❌", "❌",
                                added=False) is None
    assert (await harness.services.cases.tally_for(motion.id)).no == 0


# Appeals ------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["", "granted", "upheld-ish"])
async def test_an_unknown_appeal_outcome_is_refused(harness: Harness, outcome: str) -> None:
    s = await scene(harness)
    await harness.services.decisions.decide(STAFF, s.case)
    appeal = await harness.services.appeals.file(SUBJECT, s.case, "I was quoting someone.")
    before = await rows(harness)
    with pytest.raises(InvalidInput, match="upheld, modified or overturned"):
        await AppealFlows(harness.services).decide(ACTORS["executive"], appeal.id, outcome,
                                                   "The decision stands.")
    assert await rows(harness) == before


async def test_the_appeal_outcome_may_be_typed_in_capitals(harness: Harness) -> None:
    s = await scene(harness)
    await harness.services.decisions.decide(STAFF, s.case)
    appeal = await harness.services.appeals.file(SUBJECT, s.case, "I was quoting someone.")
    outcome = await AppealFlows(harness.services).decide(ACTORS["executive"], appeal.id,
                                                         " Overturned ", "A misreading.")
    assert outcome.text == (f"Appeal {appeal.id} overturned; the case is final and the "
                            "appellant was told.")


# The Code -----------------------------------------------------------------------------


async def test_the_code_is_shown_with_the_accept_button_of_the_current_version(
        harness: Harness) -> None:
    outcome = await CodeFlows(harness.services).show(HERE)
    assert outcome.accept == "v1" and outcome.text is not None
    assert outcome.text.startswith(f"**{harness.ctx.code.title}**")


async def test_status_names_the_first_members_and_counts_the_rest(harness: Harness) -> None:
    people = [person(f"m{n}") for n in range(STATUS_NAMES + 3)]
    await harness.services.code.accept(people[0], "v1")
    outcome = await CodeFlows(harness.services).status(STAFF, FakeDirectory(people=people))
    assert outcome.text is not None
    head, _, names = outcome.text.partition("Not yet: ")
    assert head.startswith(f"**v1**: 1 accepted, {len(people) - 1} not yet.")
    assert "<@m0>" not in names and "<@m1>" in names and f"<@m{STATUS_NAMES}>" in names
    assert names.endswith(" and 2 more")


async def test_status_when_everyone_accepted(harness: Harness) -> None:
    await harness.services.code.accept(REPORTER, "v1")
    outcome = await CodeFlows(harness.services).status(STAFF,
                                                       FakeDirectory(people=[REPORTER]))
    assert outcome.text == "**v1**: 1 accepted, 0 not yet.\nNot yet: nobody"


async def test_a_refused_status_does_not_list_the_members(harness: Harness) -> None:
    directory = FakeDirectory(people=[REPORTER])
    with pytest.raises(NotPermitted):
        await CodeFlows(harness.services).status(Actor(REPORTER, frozenset({Role.COMMITTEE})),
                                                 directory)
    assert directory.listed == 0


async def test_publishing_queues_the_prompts_and_reports_who_could_not_be_reached(
        harness: Harness) -> None:
    harness.platform.closed_dms.add(SUBJECT)
    outcome = await CodeFlows(harness.services).publish(
        STAFF, "Clearer reporting", FakeDirectory(people=[REPORTER, SUBJECT]))
    assert outcome.text.startswith("Published v1. 2 members will be asked by DM")
    [done] = [n.text for who, n in harness.platform.dms if who == STAFF.person]
    assert "1 DMs delivered; 1 members could not be reached" in done


async def test_accepting_an_old_version_is_refused(harness: Harness) -> None:
    with pytest.raises(InvalidState, match="no longer the current Code"):
        await CodeFlows(harness.services).accept(REPORTER, "v0")

