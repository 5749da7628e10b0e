"""Domain records: frozen dataclasses and their enums, one module per domain noun."""

from bot.core.models._actions import ActionKind, ActionStatus, ScheduledAction
from bot.core.models._appeals import Appeal, AppealStatus
from bot.core.models._audit import AuditEntry
from bot.core.models._base import Entity
from bot.core.models._cases import (
    Case,
    CaseOrigin,
    CaseStatus,
    CommunicationChannel,
    Motion,
    MotionStatus,
    Recusal,
    Vote,
    VoteChoice,
)
from bot.core.models._code import Acceptance, AcceptancePrompt, CodeVersion
from bot.core.models._email import EmailAddress
from bot.core.models._evidence import Evidence, EvidenceKind
from bot.core.models._hearing import CaseContact, ContactStatus, RelayDirection, RelayMessage
from bot.core.models._incidents import Incident, IncidentKind, Severity
from bot.core.models._outbox import OutboxMessage, OutboxStatus
from bot.core.models._people import Actor, PersonLink, Role
from bot.core.models._platform_state import PlatformState
from bot.core.models._raid import RaidWave
from bot.core.models._reports import Report, ReportStatus
from bot.core.models._requests import RequestClaim
from bot.core.models._roster import Appointment, Office
from bot.core.models._sanctions import Sanction, SanctionScope, SanctionStatus
from bot.core.models._seal import SealKey

ENTITY_TYPES: tuple[type, ...] = (
    Report, Incident, Sanction, Case, Motion, Vote, Recusal, Appeal, CodeVersion,
    Acceptance, AcceptancePrompt, Appointment, AuditEntry, ScheduledAction, PersonLink,
    RequestClaim, SealKey, CaseContact, RelayMessage, PlatformState, Evidence,
    OutboxMessage, EmailAddress, RaidWave,
)
"""Every persisted record type; the storage schema test checks each has a matching table."""

__all__ = [
    "ENTITY_TYPES",
    "Acceptance",
    "AcceptancePrompt",
    "ActionKind",
    "ActionStatus",
    "Actor",
    "Appeal",
    "AppealStatus",
    "Appointment",
    "AuditEntry",
    "Case",
    "CaseContact",
    "CaseOrigin",
    "CaseStatus",
    "CodeVersion",
    "CommunicationChannel",
    "ContactStatus",
    "EmailAddress",
    "Entity",
    "Evidence",
    "EvidenceKind",
    "Incident",
    "IncidentKind",
    "Motion",
    "MotionStatus",
    "Office",
    "OutboxMessage",
    "OutboxStatus",
    "PersonLink",
    "PlatformState",
    "RaidWave",
    "Recusal",
    "RelayDirection",
    "RelayMessage",
    "Report",
    "ReportStatus",
    "RequestClaim",
    "Role",
    "Sanction",
    "SanctionScope",
    "SanctionStatus",
    "ScheduledAction",
    "SealKey",
    "Severity",
    "Vote",
    "VoteChoice",
]
