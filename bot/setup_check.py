"""Set-up that explains itself: what stops the bot from doing its job although it starts.

Three things a new operator gets wrong without any error to show for it, each said once,
with the fix, by ``coc-bot check-config`` and at start-up:

- **Nobody can vote.** ``committee`` in the config (a role on Discord, a list or user group
  on Slack) gives *standing*; who may *vote* comes from the roster, seats appointed with
  ``/roster appoint``. With fewer seats than the quorum no motion can ever carry.
- **A configured channel or role does not exist, or the bot cannot see or post in it**
  (checked once the platform is connected: ``bot/discord_io/setup_check.py``, and
  ``bot/slack_io/setup_check.py``).
- **Requests from another workspace** (``bot/slack_io/bolt.py``: ``TeamGuard``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import date

from bot.core.models import Appointment, Office
from bot.core.ports import Storage
from config.settings import Settings

log = logging.getLogger(__name__)


def roster_problem(seated: int, quorum: int) -> str | None:
    """What to say about ``seated`` committee seats against the quorum, or None if fine."""
    if seated == 0:
        return ("No committee seat is appointed: the committee role or list in the config "
                "grants standing, but nobody can vote on a case until staff seat members "
                "with /roster appoint @member committee (on Discord or Slack).")
    if seated < quorum:
        return (f"Only {seated} committee seat{'s are' if seated != 1 else ' is'} appointed "
                f"and the quorum is {quorum}: no motion can carry until at least {quorum} "
                "members are seated with /roster appoint.")
    return None


async def seated_committee(storage: Storage, today: date) -> int:
    async with storage.transaction() as tx:
        found = await tx.find(Appointment, office=Office.COMMITTEE, ended_at=None)
    return sum(1 for appointment in found if appointment.serving_on(today))


async def warn_about_roster(storage: Storage, settings: Settings, today: date) -> None:
    """At start-up: one warning when the committee cannot vote yet."""
    problem = roster_problem(await seated_committee(storage, today), settings.policy.quorum)
    if problem:
        log.warning("set-up: %s", problem)


def roster_line(settings: Settings, today: date) -> str:
    """``check-config``'s roster line, read from an existing database (a check never
    creates or migrates one)."""
    from storage.url import PostgresTarget, parse_database_url

    target = parse_database_url(settings.secrets.database_url)
    exists = isinstance(target, PostgresTarget) or target.in_memory \
        or os.path.isfile(os.path.expanduser(target.path))
    seated = asyncio.run(_seated_in(settings.secrets.database_url, today)) if exists else 0
    problem = roster_problem(seated, settings.policy.quorum)
    return f"Roster: {problem}" if problem else \
        f"Roster: {seated} committee seats appointed (quorum {settings.policy.quorum})"


async def _seated_in(url: str, today: date) -> int:
    from storage import SqliteStorage, open_storage
    from storage.postgres import PostgresStorage

    storage = await open_storage(url)
    try:
        migrated = not isinstance(storage, SqliteStorage | PostgresStorage) \
            or bool(await storage.applied_versions())
        return await seated_committee(storage, today) if migrated else 0
    finally:
        await storage.close()
