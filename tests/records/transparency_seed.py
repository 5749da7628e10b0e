"""A year of known records for the transparency report, inserted as stored rows.

Every figure the report shows is fixed here, so the tests assert exact numbers. People,
channels and texts are distinctive strings the adversarial scan then looks for.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.core.identity import PersonRef, PlaceRef, PlatformName
from bot.core.models import (
    Appeal,
    AppealStatus,
    AuditEntry,
    Case,
    CaseOrigin,
    CaseStatus,
    Incident,
    IncidentKind,
    Motion,
    MotionStatus,
    Report,
    ReportStatus,
    Sanction,
    SanctionScope,
    SanctionStatus,
    Severity,
)
from bot.core.ports import Storage

START = datetime(2026, 1, 1, 6, 0, tzinfo=UTC)  # 1 January 2026, 00:00 in Chicago
END = datetime(2027, 1, 1, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
SECRET_TEXT = "Zanzibar-walrus-confidential"  # in every reason, note and excerpt
REPORT_OUTCOMES = {ReportStatus.DISMISSED: 12, ReportStatus.ACTIONED: 15,
                   ReportStatus.ESCALATED: 3, ReportStatus.DISMISSED_BAD_FAITH: 2,
                   ReportStatus.TRIAGED: 11}
"""43 reports in 2026. The first 30 are answered 2 hours after filing (10 of them triaged
first and closed 100 hours later), the other 13 after 48 hours (late: due after 24)."""


def member(n: int, platform: PlatformName = PlatformName.DISCORD) -> PersonRef:
    space = "100" if platform is PlatformName.DISCORD else "T0SEED"
    return PersonRef(platform, space, f"{7_000_000_000 + n}" if platform is
                     PlatformName.DISCORD else f"U0SEED{n:04d}")


@dataclass
class Seed:
    people: list[PersonRef] = field(default_factory=list)
    counter: Iterator[int] = field(default_factory=itertools.count)

    def someone(self, platform: PlatformName = PlatformName.DISCORD) -> PersonRef:
        found = member(next(self.counter), platform)
        self.people.append(found)
        return found

    def channel(self, platform: PlatformName = PlatformName.DISCORD) -> PlaceRef:
        space = "100" if platform is PlatformName.DISCORD else "T0SEED"
        return PlaceRef(platform, space, "C0SEEDCHANNEL")


async def seed_year(storage: Storage) -> Seed:
    seed = Seed()
    async with storage.transaction() as tx:
        for row in [*_reports(seed), *_incidents(seed), *_sanctions(seed), *_committee(seed)]:
            await tx.insert(row)
    return seed


def _audit(n: int, at: datetime, action: str, report: str, actor: PersonRef) -> AuditEntry:
    return AuditEntry(id=f"seed-audit-{n}", at=at, action=action, subject_type="report",
                      subject_id=report, automated=False, actor=actor, reason=SECRET_TEXT)


def _reports(seed: Seed) -> Iterator[Report | AuditEntry]:
    statuses = [s for s, n in REPORT_OUTCOMES.items() for _ in range(n)]
    staff = seed.someone()
    for n, status in enumerate(statuses):
        created = START + n * 5 * DAY + 3 * HOUR  # a Thursday-ish spread through the year
        due = created + 24 * HOUR
        first = created + (2 * HOUR if n < 30 else 48 * HOUR)
        handled = created + 100 * HOUR if n < 10 else first
        ref = f"R-SEED{n:03d}"
        yield Report(id=ref, reporter=seed.someone(), anonymous=False,
                     reason=f"{SECRET_TEXT} report {n}", created_at=created, due_at=due,
                     status=status, target=seed.someone(), message_excerpt=SECRET_TEXT,
                     channel=seed.channel(), handled_by=staff, handled_at=handled,
                     resolution_note=SECRET_TEXT)
        if n < 10 and status is not ReportStatus.TRIAGED:
            yield _audit(2 * n, first, "report.triaged", ref, staff)
        yield _audit(2 * n + 1, handled, f"report.{status.value}", ref, staff)
    # Outside the year, by a minute either side: never counted.
    for n, created in enumerate((START - timedelta(minutes=1), END)):
        yield Report(id=f"R-OUT{n}", reporter=seed.someone(), anonymous=False,
                     reason=SECRET_TEXT, created_at=created, due_at=created + DAY)


def _incident(seed: Seed, n: int, clause: str, platform: PlatformName, *, rule: str | None,
              kind: IncidentKind = IncidentKind.REMOVAL, reversed_: bool = False,
              at: datetime | None = None) -> Incident:
    created = at or START + n * 7 * DAY
    return Incident(id=f"I-SEED{n:03d}", subject=seed.someone(platform), kind=kind,
                    clause_id=clause, severity=Severity.MINOR, created_at=created,
                    automated=rule is not None, rule_id=rule, note=SECRET_TEXT,
                    excerpt=SECRET_TEXT, channel=seed.channel(platform),
                    reversed_at=created + DAY if reversed_ else None,
                    reversed_by=member(999) if reversed_ else None)


def _incidents(seed: Seed) -> Iterator[Incident]:
    """Not reversed: no-hate 15 (Discord, automod "slurs"), no-unsolicited-repetition 12
    (Slack, automod "spam"), no-harassment 4 (Discord, staff warnings); and 5 "slurs"
    detections staff reversed."""
    n = itertools.count()
    discord, slack = PlatformName.DISCORD, PlatformName.SLACK
    for _ in range(15):
        yield _incident(seed, next(n), "no-hate", discord, rule="slurs")
    for _ in range(5):
        yield _incident(seed, next(n), "no-hate", discord, rule="slurs", reversed_=True)
    for _ in range(12):
        yield _incident(seed, next(n), "no-unsolicited-repetition", slack, rule="spam")
    for _ in range(4):
        yield _incident(seed, next(n), "no-harassment", discord, rule=None,
                        kind=IncidentKind.WARNING)
    yield _incident(seed, next(n), "no-hate", discord, rule="slurs",
                    at=START - DAY)  # 2025: not counted


def _sanction(seed: Seed, n: int, length: timedelta | None, *, interim: bool = False,
              case_id: str | None = None) -> Sanction:
    starts = START + n * 9 * DAY
    return Sanction(id=f"S-SEED{n:03d}", subject=seed.someone(), scope=SanctionScope.SPACE,
                    starts_at=starts, reason=SECRET_TEXT, clause_id="no-hate",
                    interim=interim, automated=False, status=SanctionStatus.LIFTED,
                    ends_at=None if length is None else starts + length, case_id=case_id,
                    actor=member(998))


def _sanctions(seed: Seed) -> Iterator[Sanction]:
    """Days: 10 of one day, 12 of seven, 11 interim of thirty, 3 permanent (committee)."""
    n = itertools.count()
    for count, length, interim, case in ((10, DAY, False, None), (12, 7 * DAY, False, None),
                                         (11, 30 * DAY, True, None),
                                         (3, None, False, "C-SEED0")):
        for _ in range(count):
            yield _sanction(seed, next(n), length, interim=interim, case_id=case)


def _committee(seed: Seed) -> Iterator[Case | Motion | Appeal]:
    """Cases: 3 from reports, 2 opened by staff; motions: 2 carried, 1 overruled; one
    appeal, upheld."""
    origins = [CaseOrigin.REPORT] * 3 + [CaseOrigin.STAFF] * 2
    for n, origin in enumerate(origins):
        opened = START + (n + 1) * 30 * DAY
        subject = seed.someone()
        yield Case(id=f"C-SEED{n}", subject=subject, summary=SECRET_TEXT, origin=origin,
                   severity=Severity.SERIOUS, opened_at=opened,
                   status=CaseStatus.FINAL if n < 3 else CaseStatus.OPEN,
                   decision=SECRET_TEXT if n < 3 else None, reporter=seed.someone())
        if n < 3:
            yield Motion(id=f"M-SEED{n}", case_id=f"C-SEED{n}", text=SECRET_TEXT,
                         proposed_by=member(997), opened_at=opened + DAY,
                         closes_at=opened + 8 * DAY, closed_at=opened + 3 * DAY,
                         status=MotionStatus.OVERRULED if n == 2 else MotionStatus.CARRIED,
                         overruled_by=member(996) if n == 2 else None,
                         overrule_reason=SECRET_TEXT if n == 2 else None)
    yield Appeal(id="A-SEED0", case_id="C-SEED0", appellant=member(1000), reason=SECRET_TEXT,
                 filed_at=START + 40 * DAY, status=AppealStatus.UPHELD,
                 decided_by=member(995), decided_at=START + 50 * DAY,
                 decision_reason=SECRET_TEXT)
