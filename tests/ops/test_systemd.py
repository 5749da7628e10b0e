"""sd_notify over a real Unix datagram socket, as systemd listens for it."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ops.systemd import Systemd
from tests.waiting import DEADLINE


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A socket bound where systemd's would be ($NOTIFY_SOCKET)."""
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.setblocking(False)
    yield sock, path
    sock.close()


async def received(sock: socket.socket) -> str:
    data = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(sock, 4096),
                                  DEADLINE)
    return data.decode()


async def test_ready_and_stopping_reach_the_notify_socket(
        listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    systemd = Systemd.from_environment({"NOTIFY_SOCKET": path})
    assert systemd.notify("READY=1") and systemd.notify("STOPPING=1")
    assert await received(sock) == "READY=1"
    assert await received(sock) == "STOPPING=1"


async def test_an_abstract_socket_name_is_understood() -> None:
    name = f"coc-bot-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.setblocking(False)
    try:
        assert Systemd.from_environment({"NOTIFY_SOCKET": "@" + name}).notify("READY=1")
        assert await received(sock) == "READY=1"
    finally:
        sock.close()


async def test_the_watchdog_is_fed_twice_per_period(
        listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    systemd = Systemd.from_environment({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "40000",
                                        "WATCHDOG_PID": str(os.getpid())})
    assert systemd.watchdog_seconds == pytest.approx(0.02)
    feeding = asyncio.create_task(systemd.feed_watchdog())
    try:
        assert [await received(sock) for _ in range(3)] == ["WATCHDOG=1"] * 3
    finally:
        feeding.cancel()


@pytest.mark.parametrize("env", [
    {},  # not under systemd
    {"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"},  # not us
    {"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "soon"},
    {"WATCHDOG_USEC": "1000000"},  # nowhere to send the pings
])
def test_no_watchdog_unless_systemd_asks_this_process(env: dict[str, str]) -> None:
    assert Systemd.from_environment(env).watchdog_seconds is None


def test_outside_systemd_notifying_does_nothing() -> None:
    assert Systemd.from_environment({}).notify("READY=1") is False


def test_a_missing_socket_is_logged_not_fatal(tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    systemd = Systemd.from_environment({"NOTIFY_SOCKET": str(tmp_path / "gone")})
    assert systemd.notify("READY=1") is False
    assert "could not notify systemd (READY)" in caplog.text


async def test_a_listener_that_stops_reading_never_blocks_the_bot(
        listener: tuple[socket.socket, str], caplog: pytest.LogCaptureFixture) -> None:
    sock, path = listener
    systemd = Systemd.from_environment({"NOTIFY_SOCKET": path})
    sent = [systemd.notify("WATCHDOG=1") for _ in range(5000)]  # the queue fills up
    assert sent[0] and not sent[-1]  # later pings are dropped, not waited on
    assert caplog.text.count("could not notify systemd (WATCHDOG)") == 1  # said once
    assert await received(sock) == "WATCHDOG=1"
