"""Starting, watching and killing real ``coc-bot run`` processes in tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]




@dataclass
class BotProcess:
    """One ``coc-bot run``; its output goes to a file (pipes would fill up and block it)."""

    name: str
    proc: asyncio.subprocess.Process
    log: Path
    http_port: int

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up, no hand-over; what a machine failure looks like."""
        self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        return self.proc.returncode or 0


async def start_bot(name: str, folder: Path, config: str, env: dict[str, str],
                    http_port: int) -> BotProcess:
    path = folder / f"{name}.toml"
    path.write_text(config, encoding="utf-8")
    log = folder / f"{name}.log"
    full = {**os.environ, **env, "COC_BOT_CONFIG": str(path),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                        os.environ.get("PYTHONPATH")]))}
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=full, stdout=out,
            stderr=asyncio.subprocess.STDOUT)
    return BotProcess(name, proc, log, http_port)


async def port_open(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


async def wait_until(check: Callable[[], Any], what: str, limit: float,
                     processes: Sequence[BotProcess] = ()) -> float:
    """Poll an async or plain predicate every 50 ms; fail with the processes' logs after
    ``limit`` seconds. Returns how long it took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return loop.time() - started
        if loop.time() - started > limit:
            logs = "\n".join(f"--- {p.name} ---\n{p.output()[-3000:]}" for p in processes)
            raise AssertionError(f"never {what} within {limit:g} s\n{logs}")
        await asyncio.sleep(0.05)
