"""Staff flows: the report queue's buttons, removing a message with a clause, suspending.

Each is the whole interaction once, for every platform: the front-end parses the event
into these calls and shows the :class:`Outcome` its own way.
"""

from __future__ import annotations

from bot.core.code_text import CodeText
from bot.core.durations import parse_duration, parse_review_period
from bot.core.errors import CocBotError, InvalidInput
from bot.core.flows._base import FlowBase, problems, token
from bot.core.flows._directory import Directory
from bot.core.flows._outcome import Choice, ClauseQuestion, Outcome, SuspendForm
from bot.core.identity import MessageRef, PersonRef, PlaceRef
from bot.core.models import Actor, IncidentKind, Report, SanctionScope
from bot.core.services import IncidentDraft, SuspensionRequest
from bot.core.services._context import Reach, mention, require_confirmation, when
from bot.core.services.sanctions import parse_scope

# Clauses offered first when citing one: what not to do, then what to do.
CITABLE_SECTIONS = ("dont", "do")
TRIAGE_ACTIONS = ("dismiss", "badfaith", "remove", "suspend", "escalate")
# Queue actions whose outcome is a form: a front-end that must show a form as its very
# first answer (Discord's modals) must not acknowledge these first.
FORM_ACTIONS = frozenset({"suspend"})
DEFAULT_CLAUSE = "no-harassment"


def clause_choices(code: CodeText) -> tuple[Choice, ...]:
    """Every clause, the prohibitions first, as a select shows them."""
    ordered = sorted(code.clauses, key=lambda c: CITABLE_SECTIONS.index(c.section.value)
                     if c.section.value in CITABLE_SECTIONS else len(CITABLE_SECTIONS))
    return tuple(Choice(c.id, c.title) for c in ordered)


def encode_message_target(message: MessageRef, author: PersonRef) -> str:
    """A message and its author in a select's id (``m:<channel>:<message>:<author>``); the
    platform and space are the acting person's, so they are not repeated."""
    return f"m:{message.channel}:{message.id}:{author.id}"


def decode_message_target(target: str, actor: PersonRef) -> tuple[MessageRef, PersonRef]:
    try:
        kind, channel, message, author = target.split(":")
    except ValueError:
        kind = ""
    if kind != "m":
        raise InvalidInput("That removal request is no longer valid; please start again.")
    return (MessageRef(actor.platform, actor.space, channel, message),
            PersonRef(actor.platform, actor.space, author))


class StaffFlows(FlowBase):
    async def triage(self, actor: Actor, action: str, ref: str) -> Outcome:
        """One of the staff queue's buttons on report ``ref``."""
        reports = self._services.reports
        by = mention(self._ctx, actor.person)
        if action in ("dismiss", "badfaith"):
            report = await reports.dismiss(actor, ref, bad_faith=action == "badfaith")
            status = report.status.value.replace("_", " ")
            return Outcome(text=self._say("reply_report_dismissed", ref=report.id,
                                          bad_faith=" in bad faith" if action == "badfaith"
                                          else "", record=await reports.bad_faith_record(report)),
                           queue_note=self._say("queue_handled", outcome=status, by=by))
        if action == "escalate":
            case = await reports.escalate(actor, ref)
            return Outcome(text=self._say("reply_case_opened", case=case.id),
                           queue_note=self._say("queue_handled",
                                                outcome=f"escalated to case {case.id}", by=by))
        report = await reports.get(actor, ref)
        if action == "remove":
            return self._ask_clause(report)
        if action == "suspend":
            if report.target is None:
                raise InvalidInput(f"Report {report.id} names no person to suspend.")
            return Outcome(form=SuspendForm(report.target, report.id, report.channel,
                                            clause_choices(self._ctx.code), DEFAULT_CLAUSE))
        raise InvalidInput("That button is no longer supported.")

    def _ask_clause(self, report: Report) -> Outcome:
        if report.message is None:
            raise InvalidInput(f"Report {report.id} is about a person, not a message; use "
                               "Suspend or Escalate, or remove it with a message link.")
        return self.ask_clause(report.id)

    def ask_clause(self, target: str) -> Outcome:
        """Ask which clause a removal cites (the select's answer goes to
        :meth:`remove_with_clause`)."""
        return Outcome(ask_clause=ClauseQuestion(target, self._say("ask_clause"),
                                                 clause_choices(self._ctx.code)))

    def remove_menu(self, actor: Actor, message: MessageRef, author: PersonRef) -> Outcome:
        """"Remove message" on a message: staff choose the clause next."""
        self._services.incidents.require_remover(actor)
        return self.ask_clause(encode_message_target(message, author))

    async def remove_message(self, actor: Actor, message: MessageRef, clause_id: str | None,
                             directory: Directory, *, note: str | None = None,
                             confirmed: bool = False) -> Outcome:
        """Remove a message given by link: without a clause, staff are asked for one."""
        self._services.incidents.require_remover(actor)
        if clause_id:
            self._ctx.code.clause(clause_id)
        found = await self._services.reports.read_linked(directory, actor.person, message)
        if found.author is None:
            raise InvalidInput(self._say("no_author"))
        target = encode_message_target(message, found.author)
        if not clause_id:
            return self.ask_clause(target)
        return await self.remove_with_clause(actor, target, clause_id, directory, note=note,
                                             excerpt=found.text, confirmed=confirmed)

    async def remove_with_clause(self, actor: Actor, target: str, clause_id: str,
                                 directory: Directory, *, note: str | None = None,
                                 excerpt: str | None = None,
                                 confirmed: bool = False) -> Outcome:
        """Delete (or have staff delete), DM the author the clause, record, inform.

        ``target`` is a report reference (its message) or an encoded message.
        """
        services = self._services
        self._ctx.code.clause(clause_id)  # an unknown clause is refused before anything
        if target.startswith("R-"):
            report = await services.reports.get(actor, target)
            if report.message is None or report.target is None:
                raise InvalidInput(f"Report {report.id} has no message to remove.")
            message, author = report.message, report.target
            excerpt, report_id = report.message_excerpt, report.id
        else:
            message, author = decode_message_target(target, actor.person)
            report_id = None
        outcome = await services.incidents.handle(actor, IncidentDraft(
            subject=author, kind=IncidentKind.REMOVAL, clause_id=clause_id, note=note,
            message=message, excerpt=excerpt, report_id=report_id,
            target_standing=await directory.standing(author), confirmed=confirmed))
        incident = outcome.incident
        return Outcome(text=self._say(
            "reply_removed" if outcome.deleted else "reply_removed_by_hand",
            ref=incident.id,
            dm_closed=self._say("reply_dm_closed_emailed") if outcome.emailed else
            self._say("reply_dm_closed") if incident.dm_delivered is False else "",
            escalated=self._say("reply_escalated", case=outcome.escalated.id)
            if outcome.escalated else ""))

    async def suspend(self, actor: Actor, subject: PersonRef, directory: Directory, *,
                      duration: str, scope: str, reason: str, here: PlaceRef | None,
                      clause_id: str = DEFAULT_CLAUSE, report_ref: str | None = None,
                      confirmed: bool = False, review: str | None = None) -> Outcome:
        """Suspend ``subject``; a channel suspension is for ``here`` (the reported channel,
        or the one the command was typed in). A permanent one may carry a ``review``
        period (``1y``): the person is told the date and the committee reminded on it."""
        self._services.sanctions.require_suspender(actor)
        parsed_scope = parse_scope(scope)
        parsed = parse_duration(duration)
        period = parse_review_period(review) if review and review.strip() else None
        self._channel_known(parsed_scope, here)
        sanctions = self._services.sanctions
        sanction, reached = await sanctions.suspend_reaching(actor, SuspensionRequest(
            subject=subject, duration=parsed, scope=parsed_scope, reason=reason,
            clause_id=clause_id,
            channel=here if parsed_scope is SanctionScope.CHANNEL else None,
            target_standing=await directory.standing(subject), confirmed=confirmed,
            report_id=report_ref,
            review_at=period.after(self._ctx.now()) if period else None))
        review_text = self._say("reply_suspended_review",
                                date=when(self._ctx, actor.person, sanction.review_at)) \
            if sanction.review_at else ""
        return Outcome(text=self._say(
            "reply_suspended", ref=sanction.id, scope=sanction.scope.value, review=review_text,
            end=when(self._ctx, actor.person, sanction.ends_at),
            dm_closed="" if reached is Reach.DM else self._say("reply_dm_closed_emailed")
            if reached is Reach.EMAIL else self._say("reply_dm_closed_in_writing")))

    def require_suspender(self, actor: Actor) -> None:
        """Refuse someone who may not suspend before a form is even opened for them."""
        self._services.sanctions.require_suspender(actor)

    async def check_suspend(self, subject: PersonRef, directory: Directory, *,
                            duration: str, scope: str, clause_id: str, here: PlaceRef | None,
                            confirmed: bool, review: str = "") -> dict[str, str]:
        """What :meth:`suspend` would refuse in a form's fields (``duration``, ``scope``,
        ``clause``, ``review``, ``confirm``), before anything is done."""
        found = problems(duration=lambda: parse_duration(duration),
                         scope=lambda: self._channel_known(parse_scope(scope), here),
                         clause=lambda: self._ctx.code.clause(clause_id),
                         review=lambda: self._check_review(duration, review))
        try:
            require_confirmation(await directory.standing(subject), confirmed)
        except CocBotError as exc:
            found["confirm"] = str(exc)
        return found

    @staticmethod
    def _channel_known(scope: SanctionScope, here: PlaceRef | None) -> None:
        if scope is SanctionScope.CHANNEL and here is None:
            raise InvalidInput("Say which channel: run the command in it, or suspend from "
                               "the report about it.")

    async def unsuspend(self, actor: Actor, subject: PersonRef, reason: str = "") -> Outcome:
        """Lift every active suspension of ``subject`` now (the service says who may)."""
        lifted = await self._services.sanctions.unsuspend(actor, subject, reason.strip())
        return Outcome(text=self._say(
            "reply_unsuspended", refs=token(", ".join(s.id for s in lifted)),
            subject=self._who(actor.person, subject)))
