"""Fully wired services over real SQLite, a fake clock and a recording platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.clock import FakeClock
from bot.core.identity import PersonRef, PlatformName
from bot.core.models import Actor, Appointment, Office, Role
from bot.core.platforms import PlatformRegistry
from bot.core.policy import Policy, Recurring
from bot.core.ports import Storage
from bot.core.services import Context, Services
from bot.core.services.calendar_jobs import CalendarJobs
from bot.core.services.outbox_worker import UNPACED, OutboxWorker
from bot.core.services.timed import TimedActionService
from bot.records import case_html
from bot.sealing import setup_sealing
from config._reader import Table
from config.loader import load_code, load_messages
from config.settings import read_calendar, read_profiles
from tests.core.recording_platform import RecordingPlatform
from tests.statements import hear as give_statement


def person(n: int | str, platform: PlatformName = PlatformName.DISCORD,
           space: str = "100") -> PersonRef:
    return PersonRef(platform, space, str(n))


STAFF = Actor(person("staff"), frozenset({Role.STAFF}))
PARTICIPANT_ROLES: frozenset[Role] = frozenset()


@dataclass
class Harness:
    clock: FakeClock
    storage: Storage
    platform: RecordingPlatform
    services: Services
    timed: TimedActionService
    jobs: CalendarJobs
    outbox: OutboxWorker

    @property
    def ctx(self) -> Context:
        return self.services.ctx

    async def seat_committee(self, count: int = 7) -> list[PersonRef]:
        """Appoint ``count`` members (ids c1..cN) on one term (confirmed past the stagger
        check, which tests/core/flows/test_terms.py covers), plus counsel."""
        members = []
        for n in range(1, count + 1):
            member = person(f"c{n}")
            await self.services.roster.appoint(STAFF, member, Office.COMMITTEE, seat=n,
                                               term_start=date(2025, 1, 1), confirmed=True)
            members.append(member)
        await self.services.roster.appoint(STAFF, person("counsel"), Office.COUNSEL,
                                           term_start=date(2025, 1, 1))
        return members

    async def hear(self, case: str) -> None:
        """The case's subject gives their statement (``tests.statements.hear``)."""
        await give_statement(self.services, case)

    async def run_due(self) -> int:
        ran = len([r for r in await self.timed.run_due() if r.ran])
        await self.outbox.kick()  # and what is due in the outbox (a retry, a wave)
        return ran


def committee_actor(member: PersonRef) -> Actor:
    return Actor(member, frozenset({Role.COMMITTEE}))


TEST_SEAL_KEY = "tLRfvwSxhoanSP-rUJWRtkGEX6NiDxL6nXPBRvZ_dSk="
"""A fixed seal key for tests (a real deployment's lives only in its environment)."""


async def build_harness(clock: FakeClock, storage: Storage,
                        policy: Policy | None = None) -> Harness:
    await setup_sealing(storage, TEST_SEAL_KEY, "sqlite:///:memory:", clock)
    platform = RecordingPlatform()
    registry = PlatformRegistry(PlatformName.DISCORD)
    registry.register(platform)
    calendar = read_calendar(Table({"timezone": "America/Chicago",
                                    "holidays": ["2026-01-19"]}, "business_days"))
    ctx = Context(storage=storage, clock=clock, policy=policy or Policy(), calendar=calendar,
                  code=load_code(None), profiles=read_profiles(Table({}, "profiles")),
                  messages=load_messages(None), platforms=registry)
    services = Services.build(ctx, case_page=case_html.render)
    # The outbox sends inline (each kick drains it before returning), so a flow's messages
    # are at the recording platform when the flow returns; tests/core/test_outbox.py runs
    # it as the bot does.
    outbox = OutboxWorker(ctx, services.outbox, inline=True, default_pace=UNPACED)
    ctx.outbox = outbox
    registry.on_ready(outbox.platform_ready)
    jobs = CalendarJobs(services, Recurring())
    timed = TimedActionService(ctx, jobs.handlers(), "test-worker", on_failure=jobs.on_failure,
                               needs=jobs.needs)
    registry.on_ready(timed.platform_ready)
    await services.code.ensure_published()
    return Harness(clock, storage, platform, services, timed, jobs, outbox)


__all__ = ["STAFF", "Appointment", "Harness", "build_harness", "committee_actor", "person"]
