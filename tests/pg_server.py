"""A throwaway PostgreSQL server for the test suite: started on demand, stopped after.

``make test`` runs the storage contract (and every test that asks for ``postgres_url``)
against a real PostgreSQL as well as SQLite. When the server binaries exist
(``/usr/lib/postgresql/<version>/bin``, or ``COC_BOT_POSTGRES_BIN``), the first such
test starts a private cluster in a temporary folder: ``initdb`` with trust
authentication, listening on 127.0.0.1 only, on a free port, durability off (it is thrown
away); as root the server runs as the ``postgres`` user, as PostgreSQL requires. It is
stopped and removed at the end of the session, also when tests fail. A server of your own
can be named with ``COC_BOT_TEST_POSTGRES_URL`` instead.

Without PostgreSQL those tests are skipped with the reason; with
``COC_BOT_REQUIRE_POSTGRES=1`` (what ``.ci/run`` sets) a missing server fails them.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.ports import free_port

REQUIRE_ENV = "COC_BOT_REQUIRE_POSTGRES"
URL_ENV = "COC_BOT_TEST_POSTGRES_URL"
BIN_ENV = "COC_BOT_POSTGRES_BIN"
_SETTINGS = ("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
             "-c full_page_writes=off -c max_connections=200")


class Unavailable(Exception):
    """Why there is no PostgreSQL to test against (the skip reason)."""


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0", "false", "no")


def find_binaries() -> Path:
    """The folder holding initdb and pg_ctl; ``Unavailable`` says where we looked."""
    named = os.environ.get(BIN_ENV)
    candidates = [named] if named else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(Path(path).parent.name) if Path(path).parent.name.isdigit()
        else 0, reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    where = named or "/usr/lib/postgresql/*/bin"
    raise Unavailable(f"no PostgreSQL server binaries (initdb, pg_ctl) in {where}; install "
                      f"postgresql (apt-get install postgresql) or set {URL_ENV}")




@dataclass
class Server:
    """A running throwaway cluster; ``url`` reaches its ``postgres`` database."""

    url: str
    folder: Path | None = None
    binaries: Path | None = None
    user: str | None = None

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [*(["runuser", "-u", self.user, "--"] if self.user else []), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60,
                              check=False)

    def stop(self) -> None:
        """Stop and remove the cluster (idempotent; nothing to do for an outside one)."""
        if self.folder is None or self.binaries is None:
            return
        folder, self.folder = self.folder, None
        self._run(str(self.binaries / "pg_ctl"), "-D", str(folder / "data"), "-m",
                  "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def start() -> Server:
    """An outside server (``COC_BOT_TEST_POSTGRES_URL``) or a fresh private one."""
    outside = os.environ.get(URL_ENV)
    if outside:
        return Server(outside)
    binaries = find_binaries()
    user = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no 'postgres' user to run "
                              "the server as") from None
        user = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="coc-bot-pg-"))
    server = Server("", folder, binaries, user)
    atexit.register(server.stop)  # even if the session is torn down abruptly
    try:
        if user is not None:
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        _initdb(server)
        server.url = _start_on_a_free_port(server)
    except BaseException:
        server.stop()
        raise
    return server


def _initdb(server: Server) -> None:
    assert server.folder is not None and server.binaries is not None
    done = server._run(str(server.binaries / "initdb"), "-D", str(server.folder / "data"),
                       "--auth=trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
                       "--no-sync")
    if done.returncode != 0:
        raise Unavailable(f"initdb failed: {done.stderr.strip()[-500:]}")


def _start_on_a_free_port(server: Server) -> str:
    """Start the server; another process may take the port first, so try a few."""
    assert server.folder is not None and server.binaries is not None
    problem = ""
    for _ in range(3):
        port = free_port()
        done = server._run(
            str(server.binaries / "pg_ctl"), "-D", str(server.folder / "data"), "-l",
            str(server.folder / "server.log"), "-w", "-t", "30", "-o",
            f"{_SETTINGS} -p {port} -k {server.folder}", "start")
        if done.returncode == 0:
            return f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with contextlib.suppress(OSError):
            problem = (server.folder / "server.log").read_text()[-500:]
        problem = problem or done.stderr.strip()[-500:]
    raise Unavailable(f"the PostgreSQL server did not start: {problem}")
