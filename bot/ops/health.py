"""Liveness and readiness, in words an operator can act on.

*Alive* (``/healthz``) means the process answers: its event loop is turning. A process
that is alive but not ready should be left alone for a while, not restarted.

*Ready* (``/readyz``) means the bot can do its work right now:

- the database accepts a write (a real one, in the same transaction path every change
  takes; a read-only file, a full disk or a lock held elsewhere all fail it);
- the scheduler is running (timed actions: lifts, reminders, deadlines);
- no timed action is overdue by more than ``[ops] max_action_lag_seconds``;
- every configured front-end is connected (Discord's gateway with the server available,
  Slack's socket or HTTP server, plus whatever live probe the front-end registered), or
  standing by: with ``shard_leases`` another process holds the Discord shard, and this
  one, ready to take over, must stay in the load balancer for Slack.

Each check has a name and a sentence, so the body of a failing ``/readyz`` says what is
wrong without anyone reading logs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.clock import Clock
from bot.core.identity import PlatformName
from bot.core.platforms import PlatformRegistry
from bot.core.ports import Storage
from bot.core.services import Services
from bot.ops.metrics import Metrics, action_lag
from config.ops import OpsSettings

PROBE_KEY = "ops:readyz"
"""The ``platform_state`` row every readiness check rewrites: a write, and nothing more."""


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class Health:
    """Runs the readiness checks over the running app's parts."""

    settings: OpsSettings
    storage: Storage
    services: Services
    clock: Clock
    platforms: PlatformRegistry
    scheduler_running: Callable[[], bool]
    metrics: Metrics

    async def readiness(self) -> list[Check]:
        connected = await self.connected()
        checks = [await self._database(), self._scheduler(), await self._lag()]
        for name, up in connected.items():
            if not up and self.platforms.is_standing_by(name):
                checks.append(Check(name.value, True, f"{name.value}: standing by (another "
                                    "process holds the connection; this one takes over if "
                                    "it stops)"))
                continue
            checks.append(Check(name.value, up, f"{name.value} is connected" if up else
                                f"{name.value} is not connected (waiting for the "
                                "platform, or reconnecting)"))
        return checks

    async def connected(self) -> Mapping[PlatformName, bool]:
        """Each front-end this process runs: connected per the platform registry and, if
        it registered one, its live probe (a socket the library may be reconnecting)."""
        found = {}
        for name in sorted(self.platforms.expected):
            up = self.platforms.is_ready(name)
            probe = self.metrics.connections.get(name)
            if up and probe is not None:
                up = await self._bounded(probe(), default=False)
            found[name] = up
        return found

    async def _database(self) -> Check:
        timeout = self.settings.check_timeout_seconds
        try:
            await asyncio.wait_for(
                self.services.state.put(PROBE_KEY, self.clock.now().isoformat()), timeout)
        except TimeoutError:
            return Check("database", False, f"the database did not accept a write within "
                         f"{timeout:g} s (locked by another program, or overloaded)")
        except Exception as exc:
            return Check("database", False, f"the database does not accept writes: {exc}")
        return Check("database", True, "the database accepts writes")

    def _scheduler(self) -> Check:
        if self.scheduler_running():
            return Check("scheduler", True, "the scheduler is running")
        return Check("scheduler", False, "the scheduler is not running: timed actions "
                     "(lifts, reminders, deadlines) are not being carried out")

    async def _lag(self) -> Check:
        limit = self.settings.max_action_lag_seconds
        try:
            lag = await asyncio.wait_for(action_lag(self.storage, self.clock.now()),
                                         self.settings.check_timeout_seconds)
        except Exception as exc:
            return Check("timed_actions", False, f"could not read the timed actions: {exc}")
        if lag > limit:
            return Check("timed_actions", False, f"the earliest due timed action is "
                         f"{lag:.0f} s overdue (limit {limit:g} s)")
        return Check("timed_actions", True, f"no timed action is more than {limit:g} s "
                     "overdue")

    async def _bounded(self, probe: Any, *, default: bool) -> bool:
        try:
            return bool(await asyncio.wait_for(probe, self.settings.check_timeout_seconds))
        except Exception:
            return default
