"""systemd's notify protocol: READY, STOPPING and the watchdog, without a library.

With ``Type=notify`` systemd considers the service started when it receives
``READY=1``; with ``WatchdogSec=`` it restarts the service when ``WATCHDOG=1`` stops
arriving. The protocol is one datagram per message to the Unix socket named in
``$NOTIFY_SOCKET`` (``@name`` is an abstract socket), so a few lines do it
(see sd_notify(3)). Outside systemd the variable is unset and every call does nothing.

The watchdog is fed from the bot's event loop: if the loop stalls (a blocking call, a
deadlock), the pings stop and systemd restarts the process. It is not tied to
readiness: a database outage should make ``/readyz`` fail, not restart the bot in a loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Systemd:
    """Where to notify (None: not run by systemd) and how often to feed the watchdog."""

    address: str | None
    watchdog_seconds: float | None = None
    _complained: set[str] = field(default_factory=set, compare=False)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None,
                         pid: int | None = None) -> Systemd:
        env = os.environ if env is None else env
        address = env.get("NOTIFY_SOCKET") or None
        usec, owner = env.get("WATCHDOG_USEC"), env.get("WATCHDOG_PID")
        interval = None
        if address and usec and usec.isdigit() and int(usec) > 0 and (
                not owner or owner == str(pid if pid is not None else os.getpid())):
            interval = int(usec) / 1_000_000 / 2  # twice per period, as systemd advises
        return cls(address, interval)

    def notify(self, message: str) -> bool:
        """Send one state line (``READY=1``); False when there is nobody to tell."""
        if not self.address:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                # Never wait: this runs on the event loop, and a listener that stopped
                # reading (its queue full) must not stall the bot it watches.
                sock.setblocking(False)
                sock.connect(target)
                sock.send(message.encode())
        except OSError as exc:  # systemd gone, busy, or the socket wrong: keep running
            state = message.split("=")[0]
            if state not in self._complained:
                self._complained.add(state)
                log.warning("could not notify systemd (%s): %s", state, exc)
            return False
        return True

    async def feed_watchdog(self) -> None:
        """Send ``WATCHDOG=1`` every half period until cancelled (never, without one)."""
        if self.watchdog_seconds is None:
            await asyncio.Event().wait()
            return
        while True:
            self.notify("WATCHDOG=1")
            await asyncio.sleep(self.watchdog_seconds)
