"""Ports for the servers the tests start (the bot's HTTP and health servers, PostgreSQL,
SMTP) when the port must be chosen before the server binds it.

The usual trick, bind to port 0, close, hand the number on, draws from the kernel's
ephemeral range, the same range every outgoing connection on the machine takes its local
port from: on a busy CI machine a client connection elsewhere can take the port in the
second or two before the server binds it, and the server fails to start. So the port is
drawn at random from below that range (where the kernel never assigns a port by itself)
and checked free by binding it; another test run picking the same one of ~20,000 ports
in the same second is what remains, and is far less likely.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_LOWEST = 10_000  # above the ports well-known services use


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default; macOS starts at 49152


def free_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` that nothing listens on and no client connection holds."""
    top = _ephemeral_start()
    picker = random.SystemRandom()
    for _ in range(200):
        port = picker.randrange(_LOWEST, top) if top > _LOWEST + 1_000 else 0
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            chosen: int = probe.getsockname()[1]
            return chosen
    raise RuntimeError(f"no free port on {host} below {top}")
