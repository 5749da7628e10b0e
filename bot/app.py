"""The composition root: settings in, a running bot out.

Everything is built here and passed down; no module looks configuration up on its own.
Front-ends are started for each platform whose tokens are set, over one set of services
and one database, so a person's record is shared across Discord and Slack.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot import frontends
from bot.automod_factory import build_automod
from bot.core.automod import Automod
from bot.core.clock import Clock, SystemClock
from bot.core.identity import PlatformName
from bot.core.platforms import PlatformRegistry
from bot.core.ports import Notifier, Storage
from bot.core.services import Context, Services
from bot.core.services.calendar_jobs import CalendarJobs
from bot.core.services.outbox_worker import UNPACED, OutboxWorker
from bot.core.services.timed import LEASE, TimedActionService
from bot.mail import SmtpMailer
from bot.ops import Health, Metrics, operations
from bot.ops.memory import tune_collector
from bot.records import case_html
from bot.scheduler import SWEEP_SECONDS, ActionScheduler, worker_name
from bot.sealing import setup_sealing
from bot.setup_check import warn_about_roster
from config.settings import Settings
from storage import SqliteStorage, notifier_for, open_storage

log = logging.getLogger(__name__)

DM_WAVE = timedelta(seconds=3)
"""How long an automated explanation waits for more to the same person (one DM a wave)."""
ANSWER_GRACE_SECONDS = 2.0
"""How long front-ends keep answering after the database was lost, before they close."""


@dataclass
class App:
    settings: Settings
    storage: Storage
    clock: Clock
    services: Services
    platforms: PlatformRegistry
    scheduler: ActionScheduler
    timed: TimedActionService
    jobs: CalendarJobs
    metrics: Metrics
    outbox: OutboxWorker
    notifier: Notifier | None = None
    worker: str = ""
    _listening: asyncio.Task[None] | None = None

    def health(self) -> Health:
        """The readiness checks over this app (for ``/readyz`` and ``/metrics``)."""
        return Health(self.settings.ops, self.storage, self.services, self.clock,
                      self.platforms, lambda: self.scheduler.running, self.metrics)

    def spaces(self) -> dict[PlatformName, str]:
        """The space (Discord server, Slack workspace) this deployment serves on each
        configured platform: where a bare user id typed by staff belongs."""
        return frontends.spaces(self.settings)

    async def start_scheduler(self) -> int:
        """Put the recurring reminders on the calendar and restore every pending action."""
        await self.jobs.ensure_recurring()
        await self.jobs.ensure_retention_sweep()
        self.outbox.start()
        restored = await self.scheduler.start()
        if self.notifier is not None:
            self._listening = asyncio.create_task(self.notifier.run(), name="notifier")
        return restored

    async def close(self) -> None:
        """Stop in the order that loses nothing: other processes' wake-ups stop, the outbox
        stops claiming and finishes the sends in flight, timed actions finish, and only then
        is the database closed."""
        if self._listening is not None:
            self._listening.cancel()
            await asyncio.gather(self._listening, return_exceptions=True)
        await self.outbox.stop()
        await self.scheduler.stop()
        await self.services.raid.drain()  # a raid's queued batch is recorded, not dropped
        await self.storage.close()


async def build_app(settings: Settings, *, clock: Clock | None = None,
                    storage: Storage | None = None, worker: str | None = None,
                    lease: timedelta = LEASE, sweep_seconds: float = SWEEP_SECONDS,
                    dm_wave: timedelta = DM_WAVE, outbox_inline: bool = False,
                    notify: bool = False) -> App:
    """Open (and migrate) storage and wire every service to it.

    ``outbox_inline``: the outbox sends each message before the action that queued it
    returns, unpaced (tests that assert on what an action sent); the bot sends from a
    background worker at each platform's pace. ``notify`` listens for the other processes
    on the same database (``coc-bot run`` does): a timed action created elsewhere is woken
    for within about a second.
    """
    clock = clock or SystemClock()
    if storage is None:
        storage = await open_storage(settings.secrets.database_url)
    applied = await storage.migrate()
    if applied:
        log.info("applied database migrations %s", applied)
    await setup_sealing(storage, settings.secrets.seal_keys, _url_of(storage, settings), clock)
    platforms = PlatformRegistry(settings.committee_home)
    metrics = Metrics()
    ctx = Context(telemetry=metrics, storage=storage, clock=clock, policy=settings.policy,
                  calendar=settings.calendar, code=settings.code, profiles=settings.profiles,
                  messages=settings.messages, platforms=platforms,
                  announcements=frontends.announcements(settings),
                  fiscal_year_start=settings.schedule.fiscal_year_start, dm_wave=dm_wave)
    if settings.email is not None:
        ctx.mailer = SmtpMailer(settings.email, settings.secrets.smtp_password)
        ctx.email = settings.email.reach
    notifier = notifier_for(storage) if notify else None
    scheduler = ActionScheduler(clock, sweep_seconds=sweep_seconds, notifier=notifier)
    ctx.waker = scheduler
    worker = worker or worker_name()
    services = Services.build(ctx, automod_for(settings), case_page=case_html.render,
                              worker=worker, outbox_lease=timedelta(
                                  seconds=settings.ops.outbox_lease_seconds))
    outbox = OutboxWorker(ctx, services.outbox, inline=True, default_pace=UNPACED) \
        if outbox_inline else OutboxWorker(ctx, services.outbox, frontends.paces(settings))
    ctx.outbox = outbox
    platforms.on_ready(outbox.platform_ready)
    jobs = CalendarJobs(services, settings.schedule, digest_chart=_digest_chart)
    timed = TimedActionService(ctx, jobs.handlers(), worker,
                               on_failure=jobs.on_failure, lease=lease, needs=jobs.needs,
                               batch_handlers=jobs.batch_handlers(),
                               needs_many=jobs.needs_many)
    platforms.on_ready(timed.platform_ready)
    scheduler.attach(timed)
    await services.code.ensure_published()
    return App(settings, storage, clock, services, platforms, scheduler, timed, jobs,
               metrics, outbox, notifier, worker)


def _digest_chart(title: str, counts: Mapping[str, int]) -> bytes | None:
    """matplotlib is imported when the first digest is drawn, not at every start-up."""
    from bot.records.report_charts import counts_chart

    return counts_chart(title, counts)


def _url_of(storage: Storage, settings: Settings) -> str:
    """Where the storage really lives (a test or tool may hand in its own), so a key file
    is looked for beside that database and not beside the configured one."""
    if isinstance(storage, SqliteStorage):
        return f"sqlite:///{storage.target.path}"
    return settings.secrets.database_url


def automod_for(settings: Settings) -> Automod | None:
    """The channel watcher, from the ``[automod]`` table (on unless ``enabled = false``)."""
    return build_automod(settings) if settings.automod.enabled else None


def front_ends(settings: Settings) -> list[frontends.Runner]:
    """The runners of the front-ends whose tokens are set; a half-configured one (a token
    without its config table) is refused before anything starts."""
    started = frontends.wanted(settings)
    for front in started:
        front.require_config(settings)
    return [front.runner() for front in started]


async def run(settings: Settings) -> None:
    """Run every configured front-end until one stops or the process is signalled."""
    starters = front_ends(settings)  # refuse a half-configured platform before any I/O
    tune_collector()
    # Listen for SIGTERM before anything slow (migrations, connecting): a stop that arrives
    # during start-up is kept and acted on as soon as the runners exist, not lost.
    stop = _listen_for_signals()
    app = await build_app(settings, notify=True)
    app.platforms.expect([front.platform for front in frontends.wanted(settings)])
    try:
        await warn_about_roster(app.storage, settings, app.clock.now().date())
        await app.start_scheduler()
        async with operations(app.health()):
            await _serve(app, starters, stop)
    finally:
        await app.close()


async def _serve(app: App, starters: list[frontends.Runner], stop: asyncio.Event) -> None:
    """Run the front-ends until one stops, the process is signalled or storage is lost."""
    runners = [asyncio.create_task(start(app), name=start.__name__) for start in starters]
    stopper = asyncio.create_task(stop.wait(), name="signal")
    # The database file deleted or replaced under us: stop rather than keep writing
    # into a file that will vanish at exit (the storage logged what happened).
    lost = asyncio.create_task(app.storage.watch(), name="storage-watch")
    done, pending = await asyncio.wait([*runners, stopper, lost],
                                       return_when=asyncio.FIRST_COMPLETED)
    if stopper in done:
        log.info("stopping on a signal")
    if lost in done:
        # The request that found the loss (and any arriving now, refused at once) must
        # still tell its person that nothing was saved before the front-ends close.
        await asyncio.wait(pending, timeout=ANSWER_GRACE_SECONDS)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if lost in done:
        raise lost.result()
    for task in done - {stopper}:
        task.result()


def _listen_for_signals() -> asyncio.Event:
    """An event set on SIGTERM or SIGINT, so a service manager's stop closes the bot
    cleanly: the outbox finishes its sends in flight, running timed actions finish, the
    gateway session is closed (not dropped), and only then the database."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(sig, stop.set)
    return stop
