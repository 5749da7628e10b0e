"""A database file with a whole case in it, for the operator's records commands."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.core.models import Case
from storage import open_migrated
from tests.core.flows.test_case_file import decided_case
from tests.core.harness import TEST_SEAL_KEY, Harness, build_harness

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Seeded:
    db: Path
    case: Case
    tag: str
    harness: Harness

    @property
    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": f"sqlite:///{self.db}", "COC_BOT_SEAL_KEYS": TEST_SEAL_KEY}


def cli(*args: str, env: dict[str, str], cwd: Path | None = None,
        ) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "COC_BOT_CONFIG")}
    base.update(env)
    return subprocess.run([sys.executable, "-m", "bot", "--config",
                           str(ROOT / "config" / "example.toml"), *args],
                          capture_output=True, text=True, env=base, cwd=cwd or ROOT,
                          timeout=120, check=False)


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[Seeded]:
    db = tmp_path / "coc.db"
    storage = await open_migrated(f"sqlite:///{db}")
    harness = await build_harness(FakeClock(datetime(2026, 1, 5, 20, 0, tzinfo=UTC)),
                                  storage)
    case, tag = await decided_case(harness)
    try:
        yield Seeded(db, case, tag, harness)
    finally:
        await storage.close()
