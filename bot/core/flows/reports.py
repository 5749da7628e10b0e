"""Participants' reports: ``/report`` (a person, a message link, or both) and the report
form opened on a message or a person ("Report message" / "Report user", Slack's shortcut).

A linked message is read only as far as the reporter may read it themselves
(``ReportService.read_linked`` over the :class:`Directory`), so a report can never copy a
message from a channel the reporter cannot see into the staff queue. A message the
reporter reported from its own menu was in front of them: its text comes with the event.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import InvalidInput
from bot.core.flows._base import FlowBase
from bot.core.flows._directory import Directory
from bot.core.flows._outcome import Outcome
from bot.core.identity import MessageRef, PersonRef, PlaceRef
from bot.core.services import ReportDraft

YES = frozenset({"yes", "y"})
NO = frozenset({"no", "n", ""})


@dataclass(frozen=True, slots=True)
class Seen:
    """A message the reporter reported from its own menu: the platform handed us its text
    and author with the event. ``link`` is how staff open it on that platform."""

    message: MessageRef
    link: str
    author: PersonRef | None
    text: str | None


class ReportFlows(FlowBase):
    def anonymous(self, answer: str) -> bool:
        """The form's "stay anonymous?" answer: yes or no, nothing else."""
        cleaned = answer.strip().lower()
        if cleaned in YES:
            return True
        if cleaned in NO:
            return False
        raise InvalidInput(self._say("anonymous_yes_no"))

    async def report(self, reporter: PersonRef, directory: Directory, *, reason: str,
                     anonymous: bool, target: PersonRef | None = None,
                     message: MessageRef | None = None, link: str | None = None,
                     here: PlaceRef | None = None) -> Outcome:
        """A report naming a person and/or linking a message (``link`` is its address on
        the platform); ``here`` is where the reporter was, for a report with no link."""
        excerpt = None
        if message is not None:  # read only if the reporter can read it themselves
            seen = await self._services.reports.read_linked(directory, reporter, message)
            excerpt = seen.text or None
            target = target or seen.author
        return await self._submit(reporter, ReportDraft(
            reason=reason, anonymous=anonymous, target=target, message=message,
            message_excerpt=excerpt, message_link=link if message is not None else None,
            channel=message.place if message is not None else here))

    async def report_seen(self, reporter: PersonRef, seen: Seen, *, reason: str,
                          anonymous: bool) -> Outcome:
        """"Report message" from the message's own menu."""
        return await self._submit(reporter, ReportDraft(
            reason=reason, anonymous=anonymous, target=seen.author, message=seen.message,
            message_excerpt=seen.text or None, message_link=seen.link,
            channel=seen.message.place))

    async def _submit(self, reporter: PersonRef, draft: ReportDraft) -> Outcome:
        reports = self._services.reports
        report = await reports.submit(reporter, draft)
        return Outcome(text=reports.acknowledgement(report))
