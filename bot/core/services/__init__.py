"""Use cases of the Review Protocols, one service per domain noun."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.core.automod import Automod
from bot.core.ports import NoticeKind
from bot.core.services._context import Context
from bot.core.services.abuse import AbuseOfReporting
from bot.core.services.appeals import AppealService
from bot.core.services.case_file import CaseFileService, CasePage
from bot.core.services.cases import CaseService, ProposedSanction, VoteOutcome
from bot.core.services.code import AcceptanceStatus, CodeService, PromptResult
from bot.core.services.code_progress import CodePromptProgress
from bot.core.services.decisions import DecisionService
from bot.core.services.email_reach import (
    EMAIL_INSTEAD_PURPOSE,
    EMAIL_PURPOSE,
    AddressBook,
    AddressEntry,
)
from bot.core.services.evidence import EvidenceService
from bot.core.services.hearing import HearingService
from bot.core.services.incidents import (
    INCIDENT_DM,
    IncidentDraft,
    IncidentOutcome,
    IncidentService,
)
from bot.core.services.leases import LeaseService
from bot.core.services.moderation import (
    BlockedMessage,
    ModerationService,
    WatchedMessage,
    WatchOutcome,
)
from bot.core.services.outbox import LEASE, OutboxService
from bot.core.services.overview import OverviewService
from bot.core.services.people import History, PeopleService
from bot.core.services.personal_data import PersonalDataService
from bot.core.services.platform_state import PlatformStateService
from bot.core.services.public_statements import PublicStatementService
from bot.core.services.raid import RaidFinding, RaidService
from bot.core.services.references import ReferenceService, RefKind, Suggestion
from bot.core.services.relay import RelayService
from bot.core.services.reports import ReportDraft, ReportService
from bot.core.services.requests import RequestLedger
from bot.core.services.retention import RetentionService
from bot.core.services.roster import RosterService
from bot.core.services.sanctions import SanctionService, SuspensionRequest
from bot.core.services.transparency import TransparencyService
from bot.core.services.wishes import WishService


@dataclass(frozen=True)
class Services:
    """Every use case, built once over one context and shared by all front-ends."""

    ctx: Context
    reports: ReportService
    incidents: IncidentService
    sanctions: SanctionService
    cases: CaseService
    decisions: DecisionService
    appeals: AppealService
    code: CodeService
    roster: RosterService
    people: PeopleService
    moderation: ModerationService
    leases: LeaseService
    requests: RequestLedger
    overview: OverviewService
    hearing: HearingService
    relay: RelayService
    state: PlatformStateService
    references: ReferenceService
    public_statements: PublicStatementService
    wishes: WishService
    evidence: EvidenceService
    case_files: CaseFileService
    personal_data: PersonalDataService
    retention: RetentionService
    raid: RaidService
    transparency: TransparencyService
    outbox: OutboxService
    code_progress: CodePromptProgress
    addresses: AddressBook

    @classmethod
    def build(cls, ctx: Context, automod: Automod | None = None,
              case_page: CasePage | None = None, worker: str = "local",
              outbox_lease: timedelta = LEASE) -> Services:
        """``case_page`` renders a case file as a page (``/case file`` sends it); ``worker``
        names this process in the outbox's claims, held for ``outbox_lease``."""
        outbox = OutboxService(ctx, worker, outbox_lease)
        hearing = HearingService(ctx)
        cases = CaseService(ctx, hearing)
        evidence = EvidenceService(ctx)
        reports = ReportService(ctx, cases, evidence)
        sanctions = SanctionService(ctx, reports)
        incidents = IncidentService(ctx, reports, cases, evidence)
        outbox.on_outcome(INCIDENT_DM, incidents.dm_settled)
        addresses = AddressBook(ctx)
        outbox.on_outcome(EMAIL_PURPOSE, addresses.settled)
        outbox.on_outcome(EMAIL_INSTEAD_PURPOSE, addresses.settled_instead)
        reports.on_bad_faith = AbuseOfReporting(ctx, incidents).after_bad_faith
        public_statements = PublicStatementService(ctx)
        requests = RequestLedger(ctx)
        raid = RaidService(ctx, incidents, sanctions, evidence, requests)
        code_progress = CodePromptProgress(ctx, outbox)
        decisions = DecisionService(ctx, cases, sanctions, public_statements)
        appeals = AppealService(ctx, sanctions)
        addresses.on_sent(NoticeKind.DECISION_DM, decisions.emailed)
        addresses.on_sent(NoticeKind.APPEAL_DECIDED_DM, appeals.emailed)
        return cls(ctx=ctx, reports=reports, incidents=incidents,
                   sanctions=sanctions, cases=cases, decisions=decisions, appeals=appeals,
                   code=CodeService(ctx, code_progress), roster=RosterService(ctx),
                   people=PeopleService(ctx),
                   moderation=ModerationService(ctx, automod, incidents, sanctions, cases,
                                                evidence, raid, requests),
                   requests=requests, leases=LeaseService(ctx), hearing=hearing,
                   relay=RelayService(ctx, hearing), state=PlatformStateService(ctx),
                   references=ReferenceService(ctx), overview=OverviewService(ctx),
                   public_statements=public_statements, wishes=WishService(ctx),
                   evidence=evidence, case_files=CaseFileService(ctx, evidence, case_page),
                   personal_data=PersonalDataService(ctx), retention=RetentionService(ctx),
                   transparency=TransparencyService(ctx), raid=raid,
                   outbox=outbox, code_progress=code_progress,
                   addresses=addresses)


__all__ = [
    "AcceptanceStatus",
    "AddressBook",
    "AddressEntry",
    "AppealService",
    "BlockedMessage",
    "CaseFileService",
    "CaseService",
    "CodeService",
    "Context",
    "DecisionService",
    "EvidenceService",
    "HearingService",
    "History",
    "IncidentDraft",
    "IncidentOutcome",
    "IncidentService",
    "LeaseService",
    "ModerationService",
    "OverviewService",
    "PeopleService",
    "PersonalDataService",
    "PlatformStateService",
    "PromptResult",
    "ProposedSanction",
    "PublicStatementService",
    "RaidFinding",
    "RaidService",
    "RefKind",
    "ReferenceService",
    "RelayService",
    "ReportDraft",
    "ReportService",
    "RequestLedger",
    "RetentionService",
    "RosterService",
    "SanctionService",
    "Services",
    "Suggestion",
    "SuspensionRequest",
    "TransparencyService",
    "VoteOutcome",
    "WatchOutcome",
    "WatchedMessage",
    "WishService",
]
