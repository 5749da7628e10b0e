"""Lesser violations handled by staff (or automod) on their own, as the protocols allow.

Each removal is explained to the person by DM with the exact clause and how to avoid it,
recorded, and summarised to the committee. Repeated incidents escalate to a case.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core.automod import mask_personal
from bot.core.errors import InvalidInput, InvalidState, NotFound
from bot.core.identity import MessageRef, PersonRef, PlaceRef, is_sealed
from bot.core.markup import Trusted
from bot.core.models import (
    Actor,
    Case,
    CaseOrigin,
    CaseStatus,
    Incident,
    IncidentKind,
    OutboxMessage,
    ReportStatus,
    Role,
    Severity,
)
from bot.core.ports import Audience, Notice, NoticeKind, Tx
from bot.core.refs import new_ref, normalise_ref
from bot.core.rules.escalation import should_escalate
from bot.core.services._committee import ensure_not_own_matter, everything_of
from bot.core.services._context import (
    Context,
    Reach,
    accounts_of,
    audit,
    emailed_instead,
    mention,
    mention_place,
    queue_dm,
    reach,
    require,
    require_confirmation,
    require_staff_in,
    try_post,
)
from bot.core.services.cases import CaseService
from bot.core.services.evidence import Capture, EvidenceService
from bot.core.services.reports import ReportService

_DM_TEMPLATE = {IncidentKind.REMOVAL: "removal_dm", IncidentKind.REDACTION: "redaction_dm",
                IncidentKind.WARNING: "warning_dm"}
INCIDENT_DM = "incident_dm"
"""Outbox purpose of an automated incident's DM (its outcome sets ``dm_delivered``)."""
HOW_TO_ASK = "If you have questions, reply to staff or use /report to reach an administrator."


@dataclass(frozen=True, slots=True)
class IncidentDraft:
    subject: PersonRef
    kind: IncidentKind
    clause_id: str
    severity: Severity = Severity.MINOR
    note: str | None = None
    message: MessageRef | None = None
    excerpt: str | None = None
    channel: PlaceRef | None = None
    report_id: str | None = None
    rule_id: str | None = None
    # Roles the adapter found on the subject (staff, committee...): staff must confirm.
    target_standing: frozenset[Role] = frozenset()
    confirmed: bool = False
    # The explanation to send instead of the standard one for ``kind`` (abuse of reporting
    # explains the dismissals, not a message).
    notice: Notice | None = None
    # The platform blocked the message before anyone saw it (Discord AutoMod): a removal
    # with nothing left to delete, explained as a block.
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class IncidentOutcome:
    incident: Incident
    escalated: Case | None
    deleted: bool = True  # False: the platform would not let the bot delete; staff were asked
    emailed: bool = False  # the DM was refused and the explanation went by e-mail instead


class IncidentService:
    def __init__(self, ctx: Context, reports: ReportService, cases: CaseService,
                 evidence: EvidenceService | None = None) -> None:
        self._ctx = ctx
        self._reports = reports
        self._cases = cases
        self._evidence = evidence or EvidenceService(ctx)

    @staticmethod
    def require_remover(actor: Actor) -> None:
        """Only staff remove content or warn members (checked before asking anything)."""
        require(actor, Role.STAFF, "remove content or warn members")

    async def handle(self, actor: Actor | None, draft: IncidentDraft) -> IncidentOutcome:
        """Carry out and record one incident; ``actor=None`` is automod.

        The platform action comes first: if the message cannot be deleted nothing is
        recorded and staff see why. DM delivery failure never undoes the action. The
        message and its context are read just before the deletion (afterwards the platform
        no longer has it), within ``policy.evidence_timeout``; a failed read is logged and
        the removal goes ahead with the excerpt it was given.
        """
        if actor is not None:
            self.require_remover(actor)
            require_staff_in(actor, draft.message or draft.subject,
                             "remove content or warn members")
            require_confirmation(draft.target_standing, draft.confirmed)
        clause = self._ctx.code.clause(draft.clause_id)
        deleted = True
        capture: Capture | None = None
        if draft.kind in (IncidentKind.REMOVAL, IncidentKind.REDACTION) and not draft.blocked:
            if draft.message is None:
                raise InvalidInput("Tell me which message to remove (a message link).")
            platform = self._ctx.platforms.get(draft.message.platform)
            capture = await self._evidence.read(draft.message)
            deleted = await platform.delete_message(draft.message)
        delivered, queued, reached = None, None, Reach.NONE
        if draft.notice is not None or draft.kind in _DM_TEMPLATE:
            notice = draft.notice or self.explanation(draft)
            if actor is None:  # automod: through the outbox, one DM for a wave
                queued = notice
            else:  # staff are told in their reply whether it arrived
                reached = await reach(self._ctx, draft.subject, notice)
                delivered = reached is Reach.DM
        incident = self.incident_of(draft, actor, delivered)
        async with self._ctx.storage.transaction() as tx:
            await tx.insert(incident)
            if queued is not None:
                await queue_dm(tx, self._ctx, draft.subject,
                               replace(queued, subject_id=incident.id), purpose=INCIDENT_DM,
                               mergeable=True)
            if incident.message is not None and incident.kind in (IncidentKind.REMOVAL,
                                                                  IncidentKind.REDACTION):
                await self._evidence.keep(tx, "incident", incident.id, incident.message,
                                          capture, excerpt=draft.excerpt,
                                          author=draft.subject)
            await audit(tx, self._ctx, f"incident.{incident.kind.value}", "incident",
                        incident.id, actor=incident.actor, reason=draft.note,
                        details=f"clause={clause.id} rule={draft.rule_id or '-'}")
            escalate = await self.escalation_due(tx, draft.subject)
        self._ctx.telemetry.incident_recorded(draft.rule_id, incident.kind.value)
        if draft.report_id:
            await self._reports.close(incident.actor, draft.report_id, ReportStatus.ACTIONED,
                                      f"incident {incident.id}")
        incident = await self._report_to_committee(incident, clause.title, queued is not None,
                                                   emailed=reached is Reach.EMAIL)
        if delivered is False and reached is not Reach.EMAIL:
            await self._tell_staff_dm_failed(incident, draft.kind.value)
        if not deleted:
            await self._ask_staff_to_delete(incident)
        case = await self.escalate(incident) if escalate else None
        return IncidentOutcome(incident, case, deleted, emailed=reached is Reach.EMAIL)

    def incident_of(self, draft: IncidentDraft, actor: Actor | None,
                    delivered: bool | None) -> Incident:
        """The record of ``draft`` (not stored yet): excerpt masked, channel filled in."""
        return Incident(
            id=new_ref("I"), subject=draft.subject, kind=draft.kind, clause_id=draft.clause_id,
            severity=draft.severity, created_at=self._ctx.now(), automated=actor is None,
            actor=actor.person if actor else None, note=draft.note,
            message=draft.message, excerpt=mask_personal(draft.excerpt or "")[:500] or None,
            channel=draft.channel or (draft.message.place if draft.message else None),
            report_id=draft.report_id, rule_id=draft.rule_id, dm_delivered=delivered)

    def explanation(self, draft: IncidentDraft) -> Notice:
        """The DM that explains ``draft`` to its author: the clause and how to avoid it."""
        ctx = self._ctx
        clause = ctx.code.clause(draft.clause_id)
        profile = ctx.profiles.for_place(draft.channel.key if draft.channel else None,
                                         f"{draft.subject.platform.value}:{draft.subject.space}")
        # The Code's words come from the operator's configuration: trusted markup.
        template = "blocked_dm" if draft.blocked else _DM_TEMPLATE[draft.kind]
        text = ctx.messages.render(
            template, space_name=Trusted(profile.space_name),
            clause_title=Trusted(clause.title), clause_text=Trusted(clause.render(profile)),
            avoid=Trusted(clause.avoid.format_map(profile.values())),
            excerpt=mask_personal(draft.excerpt or "")[:300], note=draft.note or "",
            how_to_ask=Trusted(HOW_TO_ASK))
        kind = NoticeKind.REMOVAL_DM if draft.kind is not IncidentKind.WARNING else NoticeKind.INFO
        return Notice(kind, text, title=f"About your message in {profile.space_name}")

    async def escalation_due(self, tx: Tx, subject: PersonRef) -> bool:
        """Counted over every account of the person. For a sealed subject (an anonymous
        reporter's abuse of reporting) the machine counts their named incidents too, and
        the case it opens names only the pseudonym; a named subject's count leaves sealed
        incidents out, or its number would tell the committee they report anonymously."""
        policy = self._ctx.policy
        now = self._ctx.now()
        times = []
        refs = await everything_of(tx, subject) if is_sealed(subject) \
            else await accounts_of(tx, subject)
        for account in refs:
            found = await tx.find(Incident, subject=account, reversed_at=None,
                                  created_at__gte=now - policy.escalation_window)
            times += [i.created_at for i in found if i.kind is not IncidentKind.ALERT]
            if await tx.count(Case, subject=account, status=CaseStatus.OPEN):
                return False
        # Two incidents handled at once (in two processes, or two handlers of one) may both
        # see no open case: the database keeps one open automatic case per person
        # (``cases_one_open_automatic``) and the second opening joins the first.
        return should_escalate(times, now, policy.escalation_incidents, policy.escalation_window)

    async def escalate(self, incident: Incident) -> Case:
        """Open the repeat-violation case (or join the one a concurrent incident opened:
        the database keeps one open automatic case per person) and link the incident."""
        policy = self._ctx.policy
        days = policy.escalation_window.days
        summary = self._ctx.messages.render(
            "escalated", ref=incident.id, subject=mention(self._ctx, incident.subject),
            count=policy.escalation_incidents, days=days)
        case = await self._cases.open(None, incident.subject, summary,
                                      origin=CaseOrigin.ESCALATION, severity=Severity.SERIOUS)
        async with self._ctx.storage.transaction() as tx:
            await tx.update(replace(incident, case_id=case.id))
        return case

    async def dm_settled(self, row: OutboxMessage, delivered: bool) -> None:
        """The outbox sent (or could not send) an automated incident's DM: record it, and
        ask staff to reach the person another way when it could not be delivered, unless
        it went by e-mail instead (staff are told if that fails, ``email_reach.py``)."""
        async with self._ctx.storage.transaction() as tx:
            incident = await tx.get(Incident, row.subject_id or "")
            if incident is None or incident.dm_delivered is not None:
                return
            incident = replace(incident, dm_delivered=delivered)
            await tx.update(incident)
            emailed = not delivered and await emailed_instead(tx, row)
        if not delivered and not emailed:
            await self._tell_staff_dm_failed(incident, incident.kind.value)

    async def _report_to_committee(self, incident: Incident, clause_title: str,
                                   queued: bool = False, *, emailed: bool = False) -> Incident:
        ctx = self._ctx
        text = ctx.messages.render(
            "incident_summary", ref=incident.id, kind=incident.kind.value,
            subject=mention(ctx, incident.subject), channel=mention_place(incident.channel),
            clause_id=incident.clause_id, clause_title=clause_title,
            note=incident.note or "none", excerpt=_quote(incident.excerpt),
            actor="automod" if incident.automated else mention(ctx, incident.actor),
            delivered="being sent (staff are told if it cannot be delivered)" if queued else
            "by e-mail (their DMs are closed; staff are told if it cannot be delivered)"
            if emailed else
            {True: "yes", False: "NO - please contact them another way",
             None: "not applicable"}[incident.dm_delivered])
        audience = Audience.STAFF if incident.kind is IncidentKind.ALERT else Audience.COMMITTEE
        posted = await try_post(ctx, incident.subject, audience,
                                Notice(NoticeKind.INCIDENT_SUMMARY, text, subject_id=incident.id))
        if not posted or audience is Audience.STAFF:
            return incident
        async with ctx.storage.transaction() as tx:  # as stored: the outbox may have
            current = await tx.get(Incident, incident.id) or incident  # settled its DM
            updated = replace(current, reported_to_committee=True)
            await tx.update(updated)
        return updated

    async def _tell_staff_dm_failed(self, incident: Incident, what: str) -> None:
        text = self._ctx.messages.render("dm_failed", ref=incident.id,
                                         subject=mention(self._ctx, incident.subject), what=what)
        await try_post(self._ctx, incident.subject, Audience.STAFF,
                       Notice(NoticeKind.STAFF_ALERT, text, subject_id=incident.id))

    async def _ask_staff_to_delete(self, incident: Incident) -> None:
        """The platform would not let the bot delete it: a person must, and is told so."""
        link = incident.message.key if incident.message else "(unknown message)"
        text = (f"🧹 Incident {incident.id}: I could not delete the message myself ({link}); "
                "the platform only lets a workspace admin delete other people's messages. "
                "Please delete it by hand. The author has been told why.")
        await try_post(self._ctx, incident.subject, Audience.STAFF,
                       Notice(NoticeKind.STAFF_ALERT, text, subject_id=incident.id))

    async def reverse(self, actor: Actor, ref: str, note: str) -> Incident:
        """Staff mark an incident (often an automated one) as a mistake; it stops counting."""
        require(actor, Role.STAFF, "reverse incidents")
        note = note.strip()
        if not note:
            raise InvalidInput("Please say why the incident was a mistake; the reason goes on "
                               "the record.")
        async with self._ctx.storage.transaction() as tx:
            incident = await tx.get(Incident, normalise_ref(ref))
            if incident is None:
                raise NotFound(f"There is no incident '{ref}'.")
            await ensure_not_own_matter(tx, self._ctx, actor.person, incident.subject,
                                        f"Incident {incident.id}")
            if incident.reversed_at is not None:
                raise InvalidState(f"Incident {incident.id} was already reversed.")
            updated = replace(incident, reversed_at=self._ctx.now(), reversed_by=actor.person)
            await tx.update(updated)
            await audit(tx, self._ctx, "incident.reversed", "incident", incident.id,
                        actor=actor.person, reason=note)
        return updated


def _quote(excerpt: str | None, limit: int = 300) -> str:
    """The removed words, shortened, so the committee sees what was acted on."""
    if not excerpt:
        return "not recorded"
    flat = " ".join(excerpt.split())
    return f"“{flat[:limit]}{'…' if len(flat) > limit else ''}”"
