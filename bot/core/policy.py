"""The tunable numbers of the Review Protocols, with the protocols' own defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta

from bot.core.rules.raid import RaidPolicy


@dataclass(frozen=True, slots=True)
class Retention:
    """How long message text and evidence are kept once a matter is over (``[retention]``)."""

    final_case: timedelta = timedelta(days=365)  # after a case's decision is final
    dismissed_report: timedelta = timedelta(days=90)  # after a report was dismissed
    closed_matter: timedelta = timedelta(days=365)  # incidents and reports outside a case

    def __post_init__(self) -> None:
        if min(self.final_case, self.dismissed_report, self.closed_matter).days < 1:
            raise ValueError("retention periods must be at least one day")


@dataclass(frozen=True, slots=True)
class Policy:
    committee_seats: int = 7
    quorum: int = 4
    term_years: int = 3
    appeal_window: timedelta = timedelta(days=60)
    escalation_incidents: int = 3
    escalation_window: timedelta = timedelta(days=180)
    report_limit: int = 5
    report_limit_window: timedelta = timedelta(hours=1)
    bad_faith_warning_threshold: int = 3
    bad_faith_window: timedelta = timedelta(days=180)
    max_terms_ending_per_year: int = 3
    vote_window: timedelta = timedelta(days=7)
    acceptance_reminder_after: timedelta = timedelta(days=14)
    term_warning: timedelta = timedelta(days=60)
    suspension_ending_soon: timedelta = timedelta(days=7)
    statement_window: timedelta = timedelta(days=7)  # the subject's time to give their side
    evidence_before: int = 5  # messages kept before a reported or removed one ...
    evidence_after: int = 5  # ... and after it, from the channel history the bot can read
    evidence_timeout: timedelta = timedelta(seconds=3)  # a removal waits no longer for it
    retention: Retention = field(default_factory=Retention)
    raid: RaidPolicy = field(default_factory=RaidPolicy)
    # The transparency report shows no count from 1 to this minus one ([report] min_cell).
    report_min_cell: int = 10

    def __post_init__(self) -> None:
        if not 1 <= self.quorum <= self.committee_seats:
            raise ValueError("quorum must be between 1 and the number of committee seats")
        if self.escalation_incidents < 1 or self.report_limit < 1:
            raise ValueError("escalation_incidents and report_limit must be at least 1")
        if not (0 <= self.evidence_before <= 50 and 0 <= self.evidence_after <= 50):
            raise ValueError("evidence_before and evidence_after must be between 0 and 50")
        if not 3 <= self.report_min_cell <= 1000:
            raise ValueError("report min_cell must be between 3 and 1000")


@dataclass(frozen=True, slots=True)
class Recurring:
    """When the committee's regular reminders fall, in the association's time zone."""

    digest_day: int = 1
    digest_time: time = time(9, 0)
    fiscal_year_start: tuple[int, int] = (9, 1)  # (month, day)
