"""Prometheus metrics: the :class:`~bot.core.telemetry.Telemetry` port made countable.

Each application owns its own ``CollectorRegistry`` (not prometheus_client's global one),
so tests can build many apps in one process and a scrape shows one bot's numbers only.
Counters and histograms are fed as things happen; gauges that need the database (the
oldest untriaged report, the timed-action lag) or a front-end (gateway latency, the
outbox) are read when ``/metrics`` is scraped (:meth:`Metrics.refresh`), so no
background task polls the database for nobody.

Labels are low-cardinality by construction: platform names, event types, automod rule
ids, action kinds. A person, a channel or a message never becomes a label; a label value
that does not look like an identifier of ours is counted as ``other``.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from bot.core.identity import PlatformName
from bot.core.models import ActionStatus, Report, ReportStatus, ScheduledAction
from bot.core.ports import Storage
from bot.core.telemetry import ConnectionProbe, DepthProbe, LatencyProbe

log = logging.getLogger(__name__)

LATENESS_BUCKETS = (0.05, 0.25, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0)
REQUEST_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
_LABEL = re.compile(r"[A-Za-z0-9_.:/-]{1,64}")
OTHER = "other"
CHILDREN_REMEMBERED = 1024
STAFF = "staff"  # the rule label of an incident staff recorded by hand


def label(value: str) -> str:
    """``value`` if it looks like one of our identifiers (an event type, a rule id);
    ``other`` otherwise, so free text can never open a new time series."""
    return value if _LABEL.fullmatch(value) else OTHER


async def action_lag(storage: Storage, now: datetime) -> float:
    """Seconds the earliest due, not yet run, timed action is overdue (0 when none is)."""
    async with storage.transaction() as tx:
        due = await tx.find(ScheduledAction, order_by="due_at", limit=1,
                            status=ActionStatus.PENDING, due_at__lte=now)
    return max(0.0, (now - due[0].due_at).total_seconds()) if due else 0.0


async def oldest_untriaged(storage: Storage, now: datetime) -> float:
    """Age in seconds of the oldest report nobody has triaged yet (0 when none waits)."""
    async with storage.transaction() as tx:
        waiting = await tx.find(Report, order_by="created_at", limit=1,
                                status=ReportStatus.OPEN)
    return max(0.0, (now - waiting[0].created_at).total_seconds()) if waiting else 0.0


class Metrics:
    """Implements ``Telemetry``; ``render()`` is the body of ``/metrics``."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry(auto_describe=True)
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            collector(registry=registry)
        self._events = Counter("coc_bot_events", "Platform events that reached the bot.",
                               ["platform", "kind"], registry=registry)
        self._requests = Histogram(
            "coc_bot_request_duration_seconds", "Time to answer a request the platform "
            "waits on (Slack: until the acknowledgement is sent).", ["platform", "kind"],
            buckets=REQUEST_BUCKETS, registry=registry)
        self._incidents = Counter("coc_bot_incidents", "Incidents recorded, by automod rule "
                                  "('staff' when recorded by hand).", ["rule", "kind"],
                                  registry=registry)
        self._actions = Counter("coc_bot_timed_actions", "Timed actions run.",
                                ["kind", "outcome"], registry=registry)
        self._lateness = Histogram("coc_bot_timed_action_lateness_seconds", "How long after "
                                   "its due time a timed action started.", ["kind"],
                                   buckets=LATENESS_BUCKETS, registry=registry)
        self._lag = Gauge("coc_bot_timed_action_lag_seconds", "How overdue the earliest "
                          "due timed action still waiting is.", registry=registry)
        self._untriaged = Gauge("coc_bot_oldest_untriaged_report_age_seconds", "Age of the "
                                "oldest report not yet triaged.", registry=registry)
        self._outbox = Gauge("coc_bot_outbox_depth", "Messages waiting in the outbox.",
                             registry=registry)
        self._latency = Gauge("coc_bot_gateway_latency_seconds", "Heartbeat round trip of "
                              "the platform's gateway.", ["platform"], registry=registry)
        self._connected = Gauge("coc_bot_frontend_connected", "1 while the front-end is "
                                "connected to its platform.", ["platform"], registry=registry)
        self.connections: dict[PlatformName, ConnectionProbe] = {}
        self._latencies: dict[PlatformName, LatencyProbe] = {}
        self._outbox_probe: DepthProbe | None = None
        self._children: dict[tuple[object, ...], Any] = {}

    def _child(self, metric: Counter | Histogram, *values: str) -> Any:
        """``metric.labels(...)`` of these raw values (each through :func:`label`),
        remembered: prometheus_client validates and looks labels up on each call, which a
        flood (thousands of events a second) felt. Bounded, since a value may be free text
        (it becomes ``other``)."""
        key = (metric, *values)
        child = self._children.get(key)
        if child is None:
            child = metric.labels(*map(label, values))
            if len(self._children) < CHILDREN_REMEMBERED:
                self._children[key] = child
        return child

    # -- the Telemetry port ---------------------------------------------------------------

    def event_handled(self, platform: PlatformName, kind: str) -> None:
        self._child(self._events, platform.value, kind).inc()

    def request_handled(self, platform: PlatformName, kind: str, seconds: float) -> None:
        self._child(self._requests, platform.value, kind).observe(max(0.0, seconds))

    def incident_recorded(self, rule_id: str | None, kind: str) -> None:
        self._child(self._incidents, rule_id or STAFF, kind).inc()

    def action_ran(self, kind: str, failed: bool, lateness_seconds: float) -> None:
        self._actions.labels(label(kind), "failed" if failed else "done").inc()
        self._lateness.labels(label(kind)).observe(max(0.0, lateness_seconds))

    def watch_connection(self, platform: PlatformName, probe: ConnectionProbe) -> None:
        self.connections[platform] = probe

    def watch_latency(self, platform: PlatformName, probe: LatencyProbe) -> None:
        self._latencies[platform] = probe

    def watch_outbox(self, probe: DepthProbe | None) -> None:
        self._outbox_probe = probe

    # -- scraping -------------------------------------------------------------------------

    async def refresh(self, storage: Storage, now: datetime,
                      connected: Mapping[PlatformName, bool]) -> None:
        """Read the gauges that are only worth reading when someone looks. A source that
        fails leaves its gauge as it was (logged); the scrape itself still answers."""
        for name, state in connected.items():
            self._connected.labels(name.value).set(1 if state else 0)
        for name, probe in self._latencies.items():
            value = probe()
            ok = value is not None and math.isfinite(value)
            self._latency.labels(name.value).set(value if ok and value is not None
                                                 else math.nan)
        try:
            self._outbox.set(await self._outbox_probe() if self._outbox_probe else 0)
            self._lag.set(await action_lag(storage, now))
            self._untriaged.set(await oldest_untriaged(storage, now))
        except Exception as exc:  # a scrape must answer even when the database does not
            log.warning("metrics: could not read a gauge from the database: %s", exc)

    def render(self) -> bytes:
        return generate_latest(self.registry)
