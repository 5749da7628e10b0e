"""``coc-bot retention [--dry-run]`` with the operator's ``[retention]`` periods."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.records.conftest import ROOT, Seeded


def _config(tmp_path: Path, days: int) -> Path:
    text = (ROOT / "config" / "example.toml").read_text(encoding="utf-8")
    text = text.replace("final_case_days = 365", f"final_case_days = {days}")
    config = tmp_path / "coc.toml"
    config.write_text(text, encoding="utf-8")
    return config


def _run(config: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args],
                          capture_output=True, text=True, env={**os.environ, **env},
                          cwd=ROOT, timeout=120, check=False)


async def test_dry_run_lists_then_the_run_purges(seeded: Seeded, tmp_path: Path) -> None:
    config = _config(tmp_path, 1)  # the seeded case became final in January 2026
    dry = _run(config, seeded.env, "retention", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would purge 1 record(s):" in dry.stdout and "case final" in dry.stdout
    done = _run(config, seeded.env, "retention")
    assert done.returncode == 0, done.stderr
    assert "purged 1 record(s):" in done.stdout
    again = _run(config, seeded.env, "retention", "--dry-run")
    assert "would purge 0 record(s)." in again.stdout


async def test_a_bad_period_is_refused(seeded: Seeded, tmp_path: Path) -> None:
    result = _run(_config(tmp_path, 0), seeded.env, "retention", "--dry-run")
    assert result.returncode == 2 and "final_case_days" in result.stderr
