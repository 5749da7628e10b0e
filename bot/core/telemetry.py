"""The ``Telemetry`` port: what the bot tells operators about its own work.

Services and front-ends say what happened (an event handled, an incident recorded, a
timed action run) and hand in live probes (a gateway's latency, whether a connection is
up); the operations layer (``bot/ops``) turns that into Prometheus metrics and the
readiness check. The domain never imports a metrics library: it talks to this port, and
:class:`NullTelemetry` (the default) makes every call free when nobody listens.

Everything passed here becomes a metric label or a value, never a log line: callers pass
bounded, impersonal labels only (a rule id, an event type), never a person, a channel or
any text a person wrote. ``bot/ops/metrics.py`` enforces the shape of each label again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.core.identity import PlatformName

ConnectionProbe = Callable[[], Awaitable[bool]]
"""True while the front-end's link to its platform is up (a socket, a gateway)."""

LatencyProbe = Callable[[], float | None]
"""The platform link's round-trip time in seconds, or None while unknown."""

DepthProbe = Callable[[], Awaitable[int]]
"""How many items wait in a queue (the outbox), read when metrics are scraped."""


class Telemetry(Protocol):
    def event_handled(self, platform: PlatformName, kind: str) -> None:
        """One event from a platform reached the bot (``kind``: the platform's event type)."""

    def request_handled(self, platform: PlatformName, kind: str, seconds: float) -> None:
        """A request a platform waits on was answered after ``seconds``."""

    def incident_recorded(self, rule_id: str | None, kind: str) -> None:
        """An incident was committed (``rule_id``: the automod rule, None for staff)."""

    def action_ran(self, kind: str, failed: bool, lateness_seconds: float) -> None:
        """A timed action ran, ``lateness_seconds`` after it was due."""

    def watch_connection(self, platform: PlatformName, probe: ConnectionProbe) -> None:
        """Readiness asks ``probe`` whether the front-end is still connected."""

    def watch_latency(self, platform: PlatformName, probe: LatencyProbe) -> None:
        """Metrics read the platform link's latency from ``probe``."""

    def watch_outbox(self, probe: DepthProbe | None) -> None:
        """Metrics read the outbox depth from ``probe`` (None: there is no outbox)."""


class NullTelemetry:
    """Telemetry nobody reads: the default for tests and tools."""

    def event_handled(self, platform: PlatformName, kind: str) -> None:
        pass

    def request_handled(self, platform: PlatformName, kind: str, seconds: float) -> None:
        pass

    def incident_recorded(self, rule_id: str | None, kind: str) -> None:
        pass

    def action_ran(self, kind: str, failed: bool, lateness_seconds: float) -> None:
        pass

    def watch_connection(self, platform: PlatformName, probe: ConnectionProbe) -> None:
        pass

    def watch_latency(self, platform: PlatformName, probe: LatencyProbe) -> None:
        pass

    def watch_outbox(self, probe: DepthProbe | None) -> None:
        pass
