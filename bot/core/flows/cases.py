"""Staff's side of committee cases: open one, look at one, take its file, record that
the decision reached the person, close one without a decision.

Written once for every platform; the services decide who may: staff open, record and
close; staff, the committee, counsel and the Executive Committee may look; staff, the
committee and counsel (the Executive Committee once appealed) not party to the case may
have its file sent to them by DM.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core.errors import InvalidInput
from bot.core.flows._base import FlowBase, problems, token
from bot.core.flows._outcome import Outcome
from bot.core.identity import PersonRef, is_sealed
from bot.core.markup import Trusted
from bot.core.models import Actor, Case, Severity
from bot.core.services._context import mention
from bot.core.services.evidence import summary_lines

# A case is serious or severe; minor matters are incidents, handled by staff alone.
CASE_SEVERITIES = {s.value: s for s in (Severity.SERIOUS, Severity.SEVERE)}
CASE_ACTIONS = ("open", "show", "file", "communicated", "close")


class CaseFlows(FlowBase):
    async def act(self, actor: Actor, action: str, *, ref: str = "",
                  subject: PersonRef | None = None, text: str = "",
                  severity: str = Severity.SERIOUS.value) -> Outcome:
        """One of the case actions by name (a form's choice): ``text`` is the summary of a
        case to open or the reason to close one."""
        found = self.check_action(action, ref=ref, subject=subject, text=text)
        if found:
            raise InvalidInput(next(iter(found.values())))
        if action == "open":
            assert subject is not None  # checked above
            return await self.open(actor, subject, text, severity)
        if action == "show":
            return await self.show(actor, ref.strip())
        if action == "file":
            return await self.file(actor, ref.strip())
        if action == "communicated":
            return await self.communicated(actor, ref.strip())
        return await self.close(actor, ref.strip(), text)

    def check_action(self, action: str, *, ref: str, subject: PersonRef | None,
                     text: str) -> dict[str, str]:
        """What a case action would refuse in a form's ``action``, ``case``, ``person``
        and ``text`` fields, before anything is done."""
        if action not in CASE_ACTIONS:
            return {"action": self._say("case_bad_action", action=action)}
        if action == "open":
            return problems(person=lambda: self._need(subject is not None, "case_need_person"),
                            text=lambda: self._need(bool(text.strip()), "case_need_summary"))
        checks: dict[str, Callable[[], object]] = {"case": lambda: self._case_ref(ref)}
        if action == "close":
            checks["text"] = lambda: self._need(bool(text.strip()), "case_need_reason")
        return problems(**checks)

    def _need(self, given: bool, template: str) -> None:
        if not given:
            raise InvalidInput(self._say(template))

    async def open(self, actor: Actor, subject: PersonRef, summary: str,
                   severity: str = Severity.SERIOUS.value) -> Outcome:
        """Open a case about ``subject``; its private committee thread opens with it."""
        parsed = CASE_SEVERITIES.get(severity.strip().lower())
        if parsed is None:
            raise InvalidInput(self._say("case_bad_severity", severity=severity))
        case = await self._services.cases.open_by_staff(actor, subject, summary, parsed)
        return Outcome(text=self._say("reply_case_opened", case=token(case.id)))

    async def show(self, actor: Actor, ref: str) -> Outcome:
        """A case's status, subject, summary, decision and appeal window."""
        case = await self._services.cases.view(actor, ref)
        reader = actor.person
        wishes = await self._services.wishes.shown_to(reader, case)  # never the subject's
        return Outcome(text=self._say(
            "case_view", ref=token(case.id), status=token(case.status.value),
            severity=token(case.severity.value), origin=token(case.origin.value),
            subject=self._who(reader, case.subject), summary=case.summary,
            decision=self._say("case_view_decision", decision=case.decision)
            if case.decision else "",
            appeal=self._say("case_view_appeal",
                             deadline=self._when(reader, case.appeal_deadline))
            if case.appeal_deadline else "",
            hearing=await self._services.relay.describe(
                case, lambda moment: self._when(reader, moment)),
            wishes=self._say("case_view_wishes", wishes=wishes) if wishes else "",
            evidence=await self._evidence(reader, case)))

    async def _evidence(self, reader: PersonRef, case: Case) -> Trusted:
        """One line per report or incident with kept messages: how many, and the message
        itself in its latest version (masked when it was kept)."""
        lines = []
        for source, rows in await self._services.evidence.by_source(case):
            count, edits, centre = summary_lines(rows)
            if centre is None:
                lines.append(self._say("case_view_evidence_gone", source=token(source),
                                       count=count, edits=edits))
                continue
            author = centre.author
            who = Trusted("(unknown)") if author is None else \
                mention(self._ctx, author) if is_sealed(author) else self._who(reader, author)
            flat = " ".join(centre.text.split())
            lines.append(self._say("case_view_evidence", source=token(source), count=count,
                                   edits=edits, author=who,
                                   excerpt=flat[:300] + ("…" if len(flat) > 300 else "")))
        return Trusted("\n".join(lines))

    async def file(self, actor: Actor, ref: str) -> Outcome:
        """The whole case file (JSON and a page) sent to the person asking, by DM."""
        case_id = await self._services.case_files.send_by_dm(actor, ref)
        return Outcome(text=self._say("reply_case_file_sent", case=token(case_id)))

    async def communicated(self, actor: Actor, ref: str) -> Outcome:
        """The decision reached the person another way: the appeal window starts now."""
        case = await self._services.decisions.mark_communicated(actor, ref)
        return Outcome(text=self._say("reply_communicated", case=token(case.id),
                                      deadline=self._when(actor.person, case.appeal_deadline)))

    async def close(self, actor: Actor, ref: str, reason: str) -> Outcome:
        """Close an open case with no decision (withdrawn, resolved by amends); the
        committee's thread is told why."""
        case = await self._services.cases.close(actor, ref, reason)
        return Outcome(text=self._say("reply_case_closed", case=token(case.id)))
