"""Staff records: a person's history, linking one person's accounts, reversing an incident.

Written once for every platform; the services decide who may (staff only).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.core.errors import InvalidInput
from bot.core.flows._base import FlowBase, token
from bot.core.flows._outcome import Outcome
from bot.core.identity import PersonRef, PlatformName
from bot.core.markup import Trusted
from bot.core.models import Actor
from bot.core.services import History

# How many of each kind of record /history lists: the newest, so the reply stays readable.
RECENT_INCIDENTS = 15
RECENT_OTHERS = 10
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


class RecordFlows(FlowBase):
    async def history(self, actor: Actor, person: PersonRef) -> Outcome:
        """The staff view of a person's record across every linked account."""
        found = await self._services.people.history(actor, person)
        return Outcome(text=self._render_history(actor.person, found))

    def _render_history(self, reader: PersonRef, found: History) -> Trusted:
        incidents = [self._say(
            "history_incident", date=token(f"{i.created_at:%Y-%m-%d}"), ref=token(i.id),
            kind=token(i.kind.value), clause=token(i.clause_id),
            platform=token(i.subject.platform.value),
            flags=" ".join(flag for flag, on in ((self._say("history_reversed"), i.reversed_at),
                                                 (self._say("history_automated"), i.automated))
                           if on)) for i in found.incidents[-RECENT_INCIDENTS:]]
        sanctions = [self._say(
            "history_sanction", date=token(f"{s.starts_at:%Y-%m-%d}"), ref=token(s.id),
            scope=token(s.scope.value), end=self._when(reader, s.ends_at),
            status=token(s.status.value)) for s in found.sanctions[-RECENT_OTHERS:]]
        cases = [self._say("history_case", date=token(f"{c.opened_at:%Y-%m-%d}"),
                           ref=token(c.id), status=token(c.status.value),
                           summary=c.summary[:80]) for c in found.cases[-RECENT_OTHERS:]]
        appeals = [self._say("history_appeal", date=token(f"{a.filed_at:%Y-%m-%d}"),
                             ref=token(a.id), case=token(a.case_id), status=token(a.status.value))
                   for a in found.appeals[-RECENT_OTHERS:]]
        return self._say(
            "history", accounts=Trusted(", ".join(f"`{token(a.key)}`" for a in found.accounts)),
            incident_count=len(found.incidents), incidents=self._lines(incidents),
            sanction_count=len(found.sanctions), sanctions=self._lines(sanctions),
            case_count=len(found.cases), cases=self._lines(cases),
            appeals=self._say("history_appeals", count=len(found.appeals),
                              lines=self._lines(appeals)) if appeals else "",
            bad_faith=self._say("history_bad_faith", count=found.bad_faith_reports)
            if found.bad_faith_reports else "")

    def _lines(self, lines: list[Trusted]) -> Trusted:
        return Trusted("\n".join(lines)) if lines else self._say("history_none")

    async def link(self, actor: Actor, first: PersonRef, other: str,
                   spaces: Mapping[PlatformName, str]) -> Outcome:
        """Record that ``first`` and the account ``other`` names are one person.

        ``other`` is ``platform:space:id``, a bare Discord or Slack user id (in the space
        this bot serves on that platform, from ``spaces``), as typed.
        """
        second = self.parse_account(other, spaces)
        await self._services.people.link(actor, first, second)
        return Outcome(text=self._say("reply_linked", first=Trusted(f"`{token(first.key)}`"),
                                      second=Trusted(f"`{token(second.key)}`")))

    def parse_account(self, text: str, spaces: Mapping[PlatformName, str]) -> PersonRef:
        cleaned = text.strip()
        if cleaned.count(":") == 2:
            return PersonRef.parse(cleaned)
        if cleaned.isdigit():
            platform = PlatformName.DISCORD
        elif _SLACK_USER.match(cleaned):
            platform = PlatformName.SLACK
        else:
            raise InvalidInput(self._say("link_bad_account", account=cleaned))
        space = spaces.get(platform)
        if space is None:
            raise InvalidInput(self._say("link_no_space", platform=token(platform.value)))
        return PersonRef(platform, space, cleaned)

    async def reverse_incident(self, actor: Actor, ref: str, note: str) -> Outcome:
        """An incident (often automod's) was a mistake: it stops counting."""
        incident = await self._services.incidents.reverse(actor, ref, note)
        return Outcome(text=self._say("reply_incident_reversed", ref=token(incident.id)))
