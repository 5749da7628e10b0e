"""``[ops]``: where operators read the bot's health and metrics.

Off unless ``health_port`` is set. The endpoints (``/healthz``, ``/readyz``,
``/metrics``) carry no personal data but do show the bot's inner state, so they listen
on loopback unless ``health_host`` says otherwise (a Prometheus on another host, a
container's published port).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from bot.core.errors import ConfigError
from config._reader import Table

DEFAULT_MAX_ACTION_LAG = 300.0
"""A timed action (a lift, a reminder) overdue by more than this makes the bot not ready."""
DEFAULT_CHECK_TIMEOUT = 5.0
DEFAULT_OUTBOX_LEASE = 60.0
MAX_OUTBOX_LEASE = 240.0
"""A claim must lapse well within the few minutes in which Discord still recognises a
resent DM by its nonce: a longer lease would turn the resend of a crashed process's
message into a second message."""


@dataclass(frozen=True, slots=True)
class OpsSettings:
    health_port: int | None = None  # None: no health or metrics endpoint
    health_host: str = "127.0.0.1"
    max_action_lag_seconds: float = DEFAULT_MAX_ACTION_LAG
    # How long /readyz waits for one check (the database write) before calling it failed.
    check_timeout_seconds: float = DEFAULT_CHECK_TIMEOUT
    # How long a message the outbox claimed stays claimed: after a process dies, its
    # sends in flight wait this long before another process (or its restart) retakes them.
    outbox_lease_seconds: float = DEFAULT_OUTBOX_LEASE

    @property
    def serves(self) -> bool:
        return self.health_port is not None

    def describe(self) -> str:
        """For check-config: where the endpoints are, or that they are off."""
        if self.health_port is None:
            return "Health and metrics: off (set [ops] health_port to serve them)"
        host = f"[{self.health_host}]" if _is_ipv6(self.health_host) else self.health_host
        return (f"Health and metrics: http://{host}:{self.health_port} (/healthz, /readyz, "
                f"/metrics); not ready when a timed action is "
                f"{self.max_action_lag_seconds:g} s overdue")


def read_ops(table: Table, taken: dict[int, str] | None = None) -> OpsSettings:
    """Read ``[ops]``; ``taken``: ports other servers of this bot already listen on, by
    the config key that sets them (a clash is refused here, not found at start-up)."""
    port = None
    if table.has("health_port"):
        port = table.integer("health_port", minimum=1, maximum=65535)
    result = OpsSettings(
        health_port=port, health_host=listen_host(table, "health_host", "127.0.0.1"),
        max_action_lag_seconds=table.number("max_action_lag_seconds", DEFAULT_MAX_ACTION_LAG,
                                            minimum=1.0),
        check_timeout_seconds=table.number("check_timeout_seconds", DEFAULT_CHECK_TIMEOUT,
                                           minimum=0.1),
        outbox_lease_seconds=table.number("outbox_lease_seconds", DEFAULT_OUTBOX_LEASE,
                                          minimum=5.0, maximum=MAX_OUTBOX_LEASE))
    table.finish()
    if port is not None and port in (taken or {}):
        raise ConfigError(f"config key '{table.key('health_port')}' is {port}, the port "
                          f"'{(taken or {})[port]}' already uses; give the health endpoint "
                          f"a port of its own.")
    return result


def listen_host(table: Table, name: str, default: str) -> str:
    """An address to listen on: an IP address or a host name, no scheme, port or spaces."""
    value = table.text(name, default).strip()
    malformed = any(c in value for c in " /:") and not _is_ipv6(value)
    if not value or malformed:
        raise ConfigError(f"config key '{table.key(name)}' must be an address to listen on, "
                          f"such as \"127.0.0.1\" or \"0.0.0.0\", got {value!r}.")
    return value


def _is_ipv6(value: str) -> bool:
    try:
        return ipaddress.ip_address(value).version == 6
    except ValueError:
        return False
