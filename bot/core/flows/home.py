"""A person's home: what they may do with the bot now, built once for every platform.

Staff see the report queue (oldest first, with its buttons) and what else is open; a
committee member their open cases and the motions awaiting their vote; everyone how to
report, their own open reports (reference and status only) and the Code to accept if they
have not yet. What each list holds, and for whom, is the services' (``OverviewService``);
the flow only words it. A front-end shows a :class:`HomeView` its own way (Slack: the
App Home tab).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.flows._base import FlowBase, token
from bot.core.flows.staff import TRIAGE_ACTIONS
from bot.core.identity import PersonRef
from bot.core.markup import Trusted
from bot.core.models import Actor
from bot.core.services.overview import CommitteeWork, StaffQueue

TRIAGE = "triage"
ACCEPT = "accept"
SHOW_CASE = "show_case"
FORM = "form"  # value: suspend, case, appoint, motion (the form to open)


@dataclass(frozen=True, slots=True)
class HomeAction:
    """A button: ``kind`` (``triage``, ``accept``, ``show_case``), the ``choice`` within
    it (a triage action), and the reference it acts on."""

    kind: str
    value: str
    choice: str = ""


@dataclass(frozen=True, slots=True)
class HomeItem:
    text: Trusted
    actions: tuple[HomeAction, ...] = ()


@dataclass(frozen=True, slots=True)
class HomeSection:
    """``key`` says whose section it is (``staff``, ``committee``, ``participant``);
    ``actions`` are the forms its reader may open from there."""

    key: str
    title: Trusted
    text: Trusted
    items: tuple[HomeItem, ...] = ()
    actions: tuple[HomeAction, ...] = ()


@dataclass(frozen=True, slots=True)
class HomeView:
    sections: tuple[HomeSection, ...]


class HomeFlows(FlowBase):
    async def home(self, actor: Actor, space: str) -> HomeView:
        """``actor``'s home; ``space`` (``platform:space``) picks the channel profile that
        says how to report there."""
        overview = self._services.overview
        sections = []
        queue = await overview.staff_queue(actor)
        if queue is not None:
            sections.append(self._staff(queue))
        work = await overview.committee_work(actor)
        if work is not None:
            sections.append(self._committee(actor.person, work))
        sections.append(await self._participant(actor.person, space))
        return HomeView(tuple(sections))

    def _staff(self, queue: StaffQueue) -> HomeSection:
        reports = self._services.reports
        items = tuple(HomeItem(Trusted(reports.queue_notice(r).text),
                               tuple(HomeAction(TRIAGE, r.id, a) for a in TRIAGE_ACTIONS))
                      for r in queue.reports)
        text = self._say("home_staff_summary", waiting=queue.waiting, shown=len(queue.reports),
                         cases=queue.open_cases, incidents=queue.recent_incidents)
        if not queue.reports:
            text = self._say("home_staff_empty", cases=queue.open_cases,
                             incidents=queue.recent_incidents)
        return HomeSection("staff", self._say("home_staff_title"), text, items,
                           tuple(HomeAction(FORM, f) for f in ("suspend", "case", "appoint")))

    def _committee(self, reader: PersonRef, work: CommitteeWork) -> HomeSection:
        title = self._say("home_committee_title")
        if not work.seated:
            return HomeSection("committee", title, self._say("home_committee_unseated"))
        items = [HomeItem(self._say("home_case_line", case=token(c.id),
                                    subject=self._who(reader, c.subject),
                                    severity=token(c.severity.value), summary=c.summary),
                          (HomeAction(SHOW_CASE, c.id),)) for c in work.cases]
        items += [HomeItem(self._say("home_vote_line", motion=token(p.motion.id),
                                     case=token(p.case.id), text=p.motion.text,
                                     closes=self._when(reader, p.motion.closes_at)))
                  for p in work.pending]
        text = self._say("home_committee_summary", cases=len(work.cases),
                         votes=len(work.pending))
        return HomeSection("committee", title, text, tuple(items),
                           (HomeAction(FORM, "motion"),) if work.cases else ())

    async def _participant(self, person: PersonRef, space: str) -> HomeSection:
        overview = self._services.overview
        profile = self._ctx.profiles.for_place(space)
        lines = [self._say("home_how_to_report", how=profile.how_to_report)]
        mine = await overview.own_reports(person)
        lines += [self._say("home_own_report", ref=token(r.id),
                            status=token(r.status.value.replace("_", " ")),
                            made=self._when(person, r.created_at)) for r in mine]
        items: tuple[HomeItem, ...] = ()
        version = await overview.code_to_accept(person)
        if version is not None:
            items = (HomeItem(self._say("home_code_to_accept", version=token(version.id)),
                              (HomeAction(ACCEPT, version.id),)),)
        else:
            lines.append(self._say("home_code_accepted"))
        return HomeSection("participant", self._say("home_participant_title"),
                           Trusted("\n".join(lines)), items)
